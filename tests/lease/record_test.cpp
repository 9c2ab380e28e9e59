#include "lease/record.h"

#include <gtest/gtest.h>

#include "lease/record_json.h"

namespace alur::lease {
namespace {

LeaseRecord sampleRecord() {
  LeaseRecord r;
  r.dwelling_id = "LOT100000";
  r.management_id = "M4582-00";
  r.address = {"167", "", "RUE", "Gambetta", "Esc 4", "13008", "Marseille", "13208"};
  r.housing_type = HousingType::kCollective;
  r.construction_year = 2001;
  r.rooms = 1;
  r.surface_centi_m2 = 3022;
  r.floor = 0;
  r.dpe_class = 'E';
  r.lease_type = LeaseType::kUnfurnished;
  r.move_in_date = Date{2024, 12, 4};
  r.lease_date = Date{2024, 11, 21};
  r.rent = 49149;
  r.charges = 8052;
  return r;
}

TEST(LeaseRecordTest, FingerprintIsStable) {
  EXPECT_EQ(fingerprint(sampleRecord()), fingerprint(sampleRecord()));
  EXPECT_EQ(fingerprint(sampleRecord()).size(), 64u);
}

TEST(LeaseRecordTest, FingerprintChangesWithRent) {
  LeaseRecord changed = sampleRecord();
  changed.rent = 50870;
  EXPECT_NE(fingerprint(changed), fingerprint(sampleRecord()));
}

TEST(LeaseRecordTest, FingerprintIgnoresDerivedInseeCode) {
  LeaseRecord derived = sampleRecord();
  derived.address.insee_code = "";
  derived.construction_period = 6;
  EXPECT_EQ(fingerprint(derived), fingerprint(sampleRecord()));
}

TEST(LeaseRecordTest, FingerprintChangesWithConstructionBand) {
  LeaseRecord with_band = sampleRecord();
  with_band.construction_band = ConstructionBand::k1989To2005;
  EXPECT_NE(fingerprint(with_band), fingerprint(sampleRecord()));
}

TEST(LeaseRecordTest, CanonicalTextOmitsUnsetConstructionBand) {
  // Leases stored before the band existed must keep their fingerprint.
  EXPECT_EQ(canonicalText(sampleRecord()).find("construction_band"), std::string::npos);
}

TEST(LeaseRecordTest, CanonicalTextWritesBandCode) {
  LeaseRecord r = sampleRecord();
  r.construction_band = ConstructionBand::kBefore1949;
  EXPECT_NE(canonicalText(r).find("construction_band=before_1949\n"), std::string::npos);
}

TEST(LeaseRecordTest, DetailsEnterFingerprintOnlyWhenSet) {
  LeaseRecord with_details = sampleRecord();
  EXPECT_EQ(canonicalText(with_details).find("balcony"), std::string::npos);
  with_details.details.balcony = YesNo::kYes;
  EXPECT_NE(fingerprint(with_details), fingerprint(sampleRecord()));
  EXPECT_NE(canonicalText(with_details).find("balcony=1\n"), std::string::npos);
}

TEST(LeaseRecordTest, JsonRoundTripKeepsDetails) {
  LeaseRecord r = sampleRecord();
  r.details.owner_type = OwnerType::kCompany;
  r.details.toilets = 2;
  r.details.reference_rent = 51000;
  r.details.comment = "Entrée après travaux";
  auto back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->details.owner_type, OwnerType::kCompany);
  EXPECT_EQ(back->details.toilets, 2);
  EXPECT_EQ(back->details.reference_rent, 51000);
  EXPECT_EQ(back->details.comment, "Entrée après travaux");
  EXPECT_EQ(fingerprint(*back), fingerprint(r));
}

TEST(LeaseRecordTest, TotalRentAddsSupplement) {
  LeaseRecord r = sampleRecord();
  r.rent_supplement = 5000;
  EXPECT_EQ(r.totalRent(), 54149);
}

TEST(LeaseRecordTest, JsonRoundTripKeepsEveryField) {
  LeaseRecord r = sampleRecord();
  r.construction_period = 6;
  r.heating = Heating::kCollective;
  auto back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(canonicalText(*back), canonicalText(r));
  EXPECT_EQ(back->address.insee_code, "13208");
  EXPECT_EQ(back->construction_period, 6);
}

TEST(LeaseRecordTest, JsonRoundTripKeepsConstructionBand) {
  LeaseRecord r = sampleRecord();
  r.construction_year.reset();
  r.construction_band = ConstructionBand::kOfficial3;
  auto back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->construction_band, ConstructionBand::kOfficial3);
}

TEST(LeaseRecordTest, JsonRejectsUnknownConstructionBand) {
  std::string json = recordToJson(sampleRecord());
  json.insert(1, "\"construction_band\":\"1850_1900\",");
  auto back = recordFromJson(json);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.message().find("1850_1900"), std::string::npos) << back.message();
}

TEST(DateTest, CountsDaysAcrossLeapYears) {
  EXPECT_EQ((Date{2024, 3, 1}.daysSinceEpoch() - Date{2024, 2, 28}.daysSinceEpoch()), 2);
  EXPECT_EQ((Date{1970, 1, 1}.daysSinceEpoch()), 0);
}

TEST(DateTest, RejectsImpossibleDates) {
  EXPECT_FALSE((Date{2023, 2, 29}.isValid()));
  EXPECT_TRUE((Date{2024, 2, 29}.isValid()));
  EXPECT_FALSE((Date{2024, 13, 1}.isValid()));
}

}  // namespace
}  // namespace alur::lease
