#include "ingest/export_reader.h"

#include <algorithm>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "support/process.h"

namespace alur::ingest {
namespace {

namespace fs = std::filesystem;

class ExportReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-export-");
    auto loaded = loadProfile(fs::path(ALUR_SOURCE_DIR) / "config/profiles/sample-a.profile");
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    profile_ = std::move(*loaded);
  }
  void TearDown() override { fs::remove_all(folder_); }

  fs::path write(const std::string& bytes) {
    fs::path path = folder_ / "export.csv";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Status readAll(const fs::path& file, std::vector<ExportRow>& rows) {
    return readExport(file, profile_, [&](ExportRow&& row) {
      rows.push_back(std::move(row));
      return Status::Ok();
    });
  }

  static bool hasCode(const ExportRow& row, const std::string& code) {
    for (const auto& issue : row.issues) {
      if (issue.code == code) {
        return true;
      }
    }
    return false;
  }

  static std::string header() {
    return "R\xE9"
           "f lot;N\xB0 mandat;N\xB0 bail;Locataire;Propri\xE9taire;Adresse;"
           "Compl\xE9ment adresse;Code postal;Ville;Type de bien;Nature du bail;"
           "Surface habitable;Nb pi\xE8"
           "ces;\xC9tage;Ann\xE9"
           "e construction;Classe DPE;"
           "Chauffage;Ascenseur;Loyer HC;Provision charges;Compl\xE9ment de loyer;"
           "Date d'effet du bail;Date d'entr\xE9"
           "e;R\xE9gime juridique\r\n";
  }

  fs::path folder_;
  Profile profile_;
};

TEST_F(ExportReaderTest, ReadsSampleExport) {
  std::vector<ExportRow> rows;
  Status read = readAll(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv", rows);
  ASSERT_TRUE(read.ok()) << read.message();
  ASSERT_EQ(rows.size(), 300u);
  // LOT100000;...;152 cours Victor Hugo;;31000;Toulouse;Appartement;Habitation vide;66,00;3;8;
  // 1903;A;Collectif;O;822,81;160,74;0,00;10/05/2018;13/05/2018;Copropriété
  const lease::LeaseRecord& first = rows[0].record;
  EXPECT_EQ(first.dwelling_id, "LOT100000");
  EXPECT_EQ(first.management_id, "M7386-00");
  EXPECT_EQ(first.address.street_number, "152");
  EXPECT_EQ(first.address.street_type, "CRS");
  EXPECT_EQ(first.address.street_name, "Victor Hugo");
  EXPECT_EQ(first.address.postal_code, "31000");
  EXPECT_EQ(first.address.city, "TOULOUSE");
  EXPECT_EQ(first.surface_centi_m2, 6600);
  EXPECT_EQ(first.rooms, 3);
  EXPECT_EQ(first.floor, 8);
  EXPECT_EQ(first.construction_year, 1903);
  EXPECT_EQ(first.dpe_class, 'A');
  EXPECT_EQ(first.heating, lease::Heating::kCollective);
  EXPECT_EQ(first.elevator, lease::YesNo::kYes);
  EXPECT_EQ(first.rent, 82281);
  EXPECT_EQ(first.charges, 16074);
  EXPECT_EQ(first.rent_supplement, 0);
  EXPECT_EQ(first.housing_type, lease::HousingType::kCollective);
  EXPECT_EQ(first.lease_type, lease::LeaseType::kUnfurnished);
  EXPECT_EQ(first.lease_date, (lease::Date{2018, 5, 10}));
  EXPECT_EQ(first.move_in_date, (lease::Date{2018, 5, 13}));
  EXPECT_EQ(first.ownership, lease::Ownership::kCo);
  EXPECT_TRUE(rows[0].issues.empty());
  EXPECT_EQ(rows[0].line, 2u);
}

TEST_F(ExportReaderTest, ReadsThousandsSeparatorsAndCurrency) {
  std::vector<ExportRow> rows;
  ASSERT_TRUE(readAll(write(header() + "L1;M;B;x;y;1 rue A;;69003;Lyon;Maison;Meubl\xE9;"
                                       "120,5;5;0;1990;C;Individuel;O;1\xA0"
                                       "234,50 \x80;12;"
                                       "0;01/02/2024;01/02/2024;Copropri\xE9t\xE9\r\n"),
                      rows)
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].record.rent, 123450);
  EXPECT_EQ(rows[0].record.surface_centi_m2, 12050);
  EXPECT_EQ(rows[0].record.charges, 1200);
  EXPECT_TRUE(rows[0].issues.empty()) << rows[0].issues[0].message;
}

TEST_F(ExportReaderTest, FlagsOutOfScopeLeaseKind) {
  std::vector<ExportRow> rows;
  ASSERT_TRUE(readAll(write(header() + "L1;M;B;x;y;1 rue A;;69003;Lyon;Appartement;Parking;"
                                       "12;0;0;1990;C;Individuel;O;80;0;0;01/02/2024;"
                                       "01/02/2024;Copropri\xE9t\xE9\r\n"),
                      rows)
                  .ok());
  EXPECT_TRUE(hasCode(rows[0], "out_of_scope_lease"));
}

TEST_F(ExportReaderTest, ReportsSpreadsheetDamage) {
  std::vector<ExportRow> rows;
  ASSERT_TRUE(readAll(write(header() + "1,23E+11;M;B;x;y;1 rue A;;6000;Nice;Appartement;"
                                       "Meubl\xE9;30;1;0;1990;C;Individuel;O;500;0;0;45292;"
                                       "01/02/2024;Copropri\xE9t\xE9\r\n"),
                      rows)
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(hasCode(rows[0], "dwelling_id_scientific_notation"));
  EXPECT_TRUE(hasCode(rows[0], "postal_code_leading_zero_lost"));
  EXPECT_TRUE(hasCode(rows[0], "lease_date_invalid"));
  EXPECT_FALSE(rows[0].record.lease_date.has_value());
}

TEST_F(ExportReaderTest, ReportsUnmappedLabelWithProfileSection) {
  std::vector<ExportRow> rows;
  ASSERT_TRUE(readAll(write(header() + "L1;M;B;x;y;1 rue A;;69003;Lyon;Ch\xE2teau;Meubl\xE9;"
                                       "300;9;0;1890;C;Individuel;O;5000;0;0;01/02/2024;"
                                       "01/02/2024;Copropri\xE9t\xE9\r\n"),
                      rows)
                  .ok());
  ASSERT_TRUE(hasCode(rows[0], "value_unmapped"));
  EXPECT_NE(rows[0].issues[0].message.find("[values.housing_kind]"), std::string::npos);
}

TEST_F(ExportReaderTest, ReadsOptionalPositions) {
  std::string profile_text = testing::readFileBytes(fs::path(ALUR_SOURCE_DIR) /
                                                    "config/profiles/sample-a.profile");
  profile_text +=
      "\n[columns]\nbalcony = Balcon\nowner_type = Bailleur\ntoilets = WC\n"
      "reference_rent = Loyer de reference\n"
      "[values.yes_no]\nOui = yes\nNon = no\n"
      "[values.owner_type]\nParticulier = individual\nSociété = company\n";
  fs::path profile_path = folder_ / "details.profile";
  std::ofstream(profile_path, std::ios::binary) << profile_text;
  auto profile = loadProfile(profile_path);
  ASSERT_TRUE(profile.ok()) << profile.message();

  std::string head = header();
  head.resize(head.size() - 2);  // without CR LF
  std::string bytes = head + ";Balcon;Bailleur;WC;Loyer de reference\r\n" +
                      "L1;M;B;x;y;1 rue A;;69003;Lyon;Maison;Meubl\xE9;120,5;5;0;1990;C;"
                      "Individuel;O;1234,50;12;0;01/02/2024;01/02/2024;Copropri\xE9t\xE9;"
                      "Oui;Soci\xE9t\xE9;12;1 200,00\r\n";
  std::vector<ExportRow> rows;
  Status read = readExport(write(bytes), *profile, [&](ExportRow&& row) {
    rows.push_back(std::move(row));
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.message();
  ASSERT_EQ(rows.size(), 1u);
  const lease::Details& d = rows[0].record.details;
  EXPECT_EQ(d.balcony, lease::YesNo::kYes);
  EXPECT_EQ(d.owner_type, lease::OwnerType::kCompany);
  EXPECT_FALSE(d.toilets.has_value());
  EXPECT_TRUE(hasCode(rows[0], "toilets_invalid"));
  EXPECT_EQ(d.reference_rent, 120000);
}

TEST_F(ExportReaderTest, RejectsFileWithWrongSeparator) {
  std::vector<ExportRow> rows;
  std::string comma_header = header();
  std::replace(comma_header.begin(), comma_header.end(), ';', ',');
  Status read = readAll(write(comma_header + "L1,M\r\n"), rows);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.message().find("single column"), std::string::npos) << read.message();
}

TEST_F(ExportReaderTest, RejectsEmptyFile) {
  std::vector<ExportRow> rows;
  Status read = readAll(write(""), rows);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.message().find("empty"), std::string::npos);
}

TEST_F(ExportReaderTest, RejectsHeaderOnlyFile) {
  std::vector<ExportRow> rows;
  Status read = readAll(write(header()), rows);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.message().find("no lease"), std::string::npos);
}

}  // namespace
}  // namespace alur::ingest
