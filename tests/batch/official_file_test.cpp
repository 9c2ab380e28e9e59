#include "batch/official_file.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/text.h"

namespace alur::batch {
namespace {

Contributor agency() {
  Contributor c;
  c.siret = "73282932000074";
  c.ident_pro = "73282932000074";
  c.professional_card = "CPI 7501 2016 000 012 345";
  c.company_name = "Agence du Port";
  return c;
}

lease::LeaseRecord record() {
  lease::LeaseRecord r;
  r.dwelling_id = "LOT100004";
  r.management_id = "M3927-04";
  r.address = {"40", "T", "IMP", "des Frênes", "Bât A", "13008", "Marseille", "13208"};
  r.housing_type = lease::HousingType::kCollective;
  r.construction_year = 1966;
  r.construction_period = 4;
  r.ownership = lease::Ownership::kCo;
  r.elevator = lease::YesNo::kNo;
  r.rooms = 3;
  r.surface_centi_m2 = 5963;
  r.floor = 0;
  r.heating = lease::Heating::kCollective;
  r.dpe_class = 'A';
  r.lease_type = lease::LeaseType::kUnfurnished;
  r.move_in_date = lease::Date{2023, 5, 1};
  r.lease_date = lease::Date{2023, 5, 1};
  r.rent = 87498;
  r.charges = 7518;
  return r;
}

// The mandatory fields only, with a rent supplement, for a first send.
lease::LeaseRecord minimalRecord() {
  lease::LeaseRecord r;
  r.dwelling_id = "LOT200001";
  r.management_id = "LOT200001";
  r.address = {"7", "", "AV", "Jean Jaurès", "", "75015", "PARIS", "75115"};
  r.housing_type = lease::HousingType::kIndividual;
  r.construction_year = 2012;
  r.construction_period = 7;
  r.rooms = 5;
  r.surface_centi_m2 = 12345;
  r.lease_type = lease::LeaseType::kFurnished;
  r.move_in_date = lease::Date{2026, 9, 15};
  r.lease_date = lease::Date{2026, 9, 1};
  r.rent = 200000;
  r.rent_supplement = 15000;
  return r;
}

// Writes a whole file the way the service does: header, then one line per lease.
std::string wholeFile(const FileOptions& options) {
  lease::LeaseRecord full = record();
  full.address.city = "MARSEILLE";
  std::string out = headerLine(2027, agency(), 2, options) + options.line_ending;
  out += dwellingLine(full, agency(), options, lease::Date{2027, 1, 15}, lease::Date{2026, 1, 10},
                      nullptr) +
         options.line_ending;
  out += dwellingLine(minimalRecord(), agency(), options, lease::Date{2027, 1, 15}, std::nullopt,
                      nullptr) +
         options.line_ending;
  return out;
}

std::string golden(const std::string& name) {
  std::ifstream in(std::string(ALUR_SOURCE_DIR) + "/tests/batch/golden/" + name, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(OfficialFileGoldenTest, MatchesWindows1252File) {
  FileOptions options;
  options.comment = "Envoi automatique";
  std::string expected = golden("windows-1252-crlf.CSV");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(wholeFile(options), expected);
}

TEST(OfficialFileGoldenTest, MatchesUtf8File) {
  FileOptions options;
  options.comment = "Envoi automatique";
  options.encoding = OutputEncoding::kUtf8;
  options.line_ending = "\n";
  std::string expected = golden("utf-8-lf.CSV");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(wholeFile(options), expected);
}

TEST(OfficialFileTest, WritesOptionalPositions) {
  lease::LeaseRecord r = record();
  lease::Details& d = r.details;
  d.caretaker = lease::YesNo::kYes;
  d.intercom = lease::YesNo::kNo;
  d.door_code = lease::YesNo::kYes;
  d.videophone = lease::YesNo::kNo;
  d.parking = lease::YesNo::kYes;
  d.balcony = lease::YesNo::kNo;
  d.garden = lease::YesNo::kNo;
  d.toilets = 1;
  d.bathrooms = 2;
  d.owner_type = lease::OwnerType::kCompany;
  d.lease_category = lease::LeaseCategory::kTaxScheme;
  d.first_letting = lease::YesNo::kNo;
  d.rent_year_before = 84500;
  d.reference_rent_year_before = 84500;
  d.reference_rent = 87498;
  d.charges_year_before = 7000;
  d.comment = "Relevé; compteurs fait";
  FileOptions options;
  options.encoding = OutputEncoding::kUtf8;
  auto fields = split(
      dwellingLine(r, agency(), options, lease::Date{2027, 1, 15}, std::nullopt, nullptr), ';');
  ASSERT_EQ(fields.size(), static_cast<std::size_t>(kDwellingPositions));
  // Positions 35b–35e, 44–45b, 47, 53, 55–58 and 59, by index in the line.
  EXPECT_EQ(fields[27], "1");
  EXPECT_EQ(fields[28], "2");
  EXPECT_EQ(fields[29], "1");
  EXPECT_EQ(fields[30], "2");
  EXPECT_EQ(fields[34], "1");
  EXPECT_EQ(fields[35], "2");
  EXPECT_EQ(fields[36], "2");
  EXPECT_EQ(fields[37], "1");
  EXPECT_EQ(fields[38], "2");
  EXPECT_EQ(fields[40], "2");
  EXPECT_EQ(fields[44], "3");
  EXPECT_EQ(fields[47], "2");
  EXPECT_EQ(fields[48], "845,00");
  EXPECT_EQ(fields[50], "845,00");
  EXPECT_EQ(fields[51], "874,98");
  EXPECT_EQ(fields[52], "70,00");
  EXPECT_EQ(fields[54], "Relevé  compteurs fait");
}

TEST(OfficialFileTest, NamesFileWithYearIdentAndSequence) {
  EXPECT_EQ(fileName(2027, "73282932000074", 7), "2027_73282932000074_007.CSV");
}

TEST(OfficialFileTest, WritesHeaderLine) {
  FileOptions options;
  options.comment = "Envoi; automatique";
  EXPECT_EQ(headerLine(2027, agency(), 274, options), "2027;73282932000074;274;Envoi  automatique");
}

TEST(OfficialFileTest, WritesDwellingLineExactly) {
  FileOptions options;
  options.encoding = OutputEncoding::kUtf8;
  std::string line = dwellingLine(record(), agency(), options, lease::Date{2027, 1, 15},
                                  lease::Date{2026, 1, 10}, nullptr);
  EXPECT_EQ(line,
            "LOT100004;2;1;150127;100126;40;T;IMP;des Frênes;Bât A;13008;Marseille;13208;;;;;"
            "0101;CPI75012016000012345;M3927-04;Agence du Port;;2;4;1966;2;2;;;;;3;60;0;;;;;;2;"
            ";A;1;1;;01052023;01052023;;;874,98;;;;75,18;");
  EXPECT_EQ(split(line, ';').size(), static_cast<std::size_t>(kDwellingPositions));
}

TEST(OfficialFileTest, EncodesWindows1252) {
  FileOptions options;
  std::string line =
      dwellingLine(record(), agency(), options, lease::Date{2027, 1, 15}, std::nullopt, nullptr);
  EXPECT_NE(line.find("des Fr\xEAnes;B\xE2t A"), std::string::npos);
  EXPECT_EQ(encodeText("12 €", OutputEncoding::kWindows1252), "12 \x80");
  EXPECT_EQ(encodeText("12 €", OutputEncoding::kIso8859_15), "12 \xA4");
}

TEST(OfficialFileTest, UsesSurveyDateWhenNoPreviousOne) {
  FileOptions options;
  std::string line =
      dwellingLine(record(), agency(), options, lease::Date{2027, 1, 15}, std::nullopt, nullptr);
  EXPECT_EQ(line.substr(0, 28), "LOT100004;2;1;150127;150127;");
}

TEST(OfficialFileTest, TruncatesLongTextWithWarning) {
  lease::LeaseRecord r = record();
  r.address.street_name = "du Maréchal Jean-Marie de Lattre de Tassigny prolongée";
  std::vector<std::string> warnings;
  FileOptions options;
  options.encoding = OutputEncoding::kUtf8;
  std::string line =
      dwellingLine(r, agency(), options, lease::Date{2027, 1, 15}, std::nullopt, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("position 5d"), std::string::npos);
  EXPECT_EQ(split(line, ';')[8], "du Maréchal Jean-Marie de Lattre de Tass");
}

TEST(OfficialFileTest, StripsSeparatorAndLineBreaksFromText) {
  lease::LeaseRecord r = record();
  r.address.complement = "Bât A;\r\nporte 2";
  FileOptions options;
  options.encoding = OutputEncoding::kUtf8;
  std::string line =
      dwellingLine(r, agency(), options, lease::Date{2027, 1, 15}, std::nullopt, nullptr);
  EXPECT_EQ(split(line, ';').size(), static_cast<std::size_t>(kDwellingPositions));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(OfficialFileTest, TruncatesCardNumberWhenConfigured) {
  FileOptions options;
  options.card_number = CardNumberPolicy::kTruncate;
  std::string line =
      dwellingLine(record(), agency(), options, lease::Date{2027, 1, 15}, std::nullopt, nullptr);
  EXPECT_EQ(split(line, ';')[18], "CPI7501201");
}

TEST(OfficialFileTest, RoundsChargesTooLongForTheirPosition) {
  lease::LeaseRecord r = record();
  r.charges = 124287;  // 1242,87 has 7 characters, position 58b allows 6
  std::vector<std::string> warnings;
  std::string line =
      dwellingLine(r, agency(), FileOptions{}, lease::Date{2027, 1, 15}, std::nullopt, &warnings);
  EXPECT_EQ(split(line, ';')[53], "1243");
  EXPECT_EQ(warnings.size(), 1u);
}

}  // namespace
}  // namespace alur::batch
