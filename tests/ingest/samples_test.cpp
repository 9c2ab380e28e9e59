// Reads the six sample exports (one portfolio, two days, three formats) and compares every
// lease with the expected outcome in the *.truth.json file beside it.
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/export_reader.h"
#include "lease/validate.h"
#include "support/process.h"

namespace alur::ingest {
namespace {

namespace fs = std::filesystem;

const lease::PostalTable& postalTable() {
  static const Result<lease::PostalTable> table =
      lease::PostalTable::load(fs::path(ALUR_SOURCE_DIR) / "data/laposte_hexasmal.csv");
  return table.value();
}

struct ReadLease {
  lease::LeaseRecord record;
  lease::Classification classification;
};

std::map<std::string, ReadLease> readSample(const std::string& file, const std::string& profile) {
  auto loaded = loadProfile(fs::path(ALUR_SOURCE_DIR) / "config/profiles" / profile);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  std::map<std::string, ReadLease> leases;
  Status read =
      readExport(fs::path(ALUR_SOURCE_DIR) / "tests/data" / file, *loaded, [&](ExportRow&& row) {
        auto classification = lease::validateAndClassify(row.record, postalTable(),
                                                         lease::Date{2026, 12, 4}, row.issues);
        leases[row.record.dwelling_id] = {row.record, classification};
        return Status::Ok();
      });
  EXPECT_TRUE(read.ok()) << read.message();
  return leases;
}

lease::Classification expectedClass(const nlohmann::json& truth) {
  if (!truth.at("in_scope").get<bool>()) {
    return lease::Classification::kOutOfScope;
  }
  return truth.at("valid").get<bool>() ? lease::Classification::kValid
                                       : lease::Classification::kInvalid;
}

class SampleTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(SampleTest, AgreesWithTruthOnEveryLease) {
  auto [file, profile] = GetParam();
  auto leases = readSample(file, profile);
  auto truth = nlohmann::json::parse(testing::readFileBytes(
      fs::path(ALUR_SOURCE_DIR) / "tests/data" / (std::string(file) + ".truth.json")));
  ASSERT_EQ(leases.size(), truth.size());
  for (const auto& [id, expected] : truth.items()) {
    auto found = leases.find(id);
    ASSERT_NE(found, leases.end()) << id;
    EXPECT_EQ(lease::classificationName(found->second.classification),
              std::string(lease::classificationName(expectedClass(expected))))
        << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Exports, SampleTest,
                         ::testing::Values(std::pair{"export-A-day1.csv", "sample-a.profile"},
                                           std::pair{"export-A-day2.csv", "sample-a.profile"},
                                           std::pair{"export-B-day1.csv", "sample-b.profile"},
                                           std::pair{"export-B-day2.csv", "sample-b.profile"},
                                           std::pair{"export-C-day1.xml", "sample-c.profile"},
                                           std::pair{"export-C-day2.xml", "sample-c.profile"}),
                         [](const auto& param_info) {
                           return std::string(1, param_info.param.first[7]) + "Day" +
                                  param_info.param.first[12];
                         });

// Keeps the fields that all three formats carry: B has no floor, heating, elevator or
// ownership, and C no management number or address complement.
lease::LeaseRecord commonFields(const lease::LeaseRecord& r) {
  lease::LeaseRecord common;
  common.dwelling_id = r.dwelling_id;
  common.address = r.address;
  common.address.complement.clear();
  common.housing_type = r.housing_type;
  common.construction_year = r.construction_year;
  common.construction_period = r.construction_period;
  common.rooms = r.rooms;
  common.surface_centi_m2 = r.surface_centi_m2;
  common.dpe_class = r.dpe_class;
  common.lease_type = r.lease_type;
  common.move_in_date = r.move_in_date;
  common.lease_date = r.lease_date;
  common.rent = r.totalRent();
  common.charges = r.charges;
  return common;
}

TEST(SampleFormatsTest, GiveSameRecordsInEveryFormat) {
  for (const char* day : {"day1", "day2"}) {
    auto a = readSample(std::string("export-A-") + day + ".csv", "sample-a.profile");
    auto b = readSample(std::string("export-B-") + day + ".csv", "sample-b.profile");
    auto c = readSample(std::string("export-C-") + day + ".xml", "sample-c.profile");
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(a.size(), c.size());
    for (const auto& [id, lease] : a) {
      std::string from_a = lease::canonicalText(commonFields(lease.record));
      EXPECT_EQ(lease::canonicalText(commonFields(b.at(id).record)), from_a) << day << " " << id;
      EXPECT_EQ(lease::canonicalText(commonFields(c.at(id).record)), from_a) << day << " " << id;
      EXPECT_EQ(lease::fingerprint(commonFields(c.at(id).record)),
                lease::fingerprint(commonFields(lease.record)))
          << day << " " << id;
    }
  }
}

}  // namespace
}  // namespace alur::ingest
