#include "lease/validate.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace alur::lease {
namespace {

class ValidateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static Result<PostalTable> loaded =
        PostalTable::load(std::string(ALUR_SOURCE_DIR) + "/data/laposte_hexasmal.csv");
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    table_ = &loaded.value();
  }

  static LeaseRecord validRecord() {
    LeaseRecord r;
    r.dwelling_id = "LOT100234";
    r.address = {"12", "B", "RUE", "des Lilas", "", "69003", "Lyon", ""};
    r.housing_type = HousingType::kCollective;
    r.construction_year = 1962;
    r.rooms = 2;
    r.surface_centi_m2 = 4500;
    r.lease_type = LeaseType::kUnfurnished;
    r.move_in_date = Date{2025, 3, 1};
    r.lease_date = Date{2025, 2, 20};
    r.rent = 65000;
    r.charges = 8000;
    return r;
  }

  std::vector<Issue> check(LeaseRecord& r) {
    std::vector<Issue> issues;
    validate(r, *table_, Date{2026, 12, 4}, issues);
    return issues;
  }

  static bool hasCode(const std::vector<Issue>& issues, const std::string& code) {
    return std::any_of(issues.begin(), issues.end(),
                       [&](const Issue& i) { return i.code == code; });
  }

  static PostalTable* table_;
};

PostalTable* ValidateTest::table_ = nullptr;

TEST_F(ValidateTest, AcceptsCompleteLease) {
  LeaseRecord r = validRecord();
  auto issues = check(r);
  EXPECT_TRUE(issues.empty()) << issues.front().message;
  EXPECT_EQ(classify(issues), Classification::kValid);
}

TEST_F(ValidateTest, FillsInseeCodeAndConstructionPeriod) {
  LeaseRecord r = validRecord();
  check(r);
  EXPECT_EQ(r.address.insee_code, "69383");
  EXPECT_EQ(r.construction_period, 4);
}

TEST_F(ValidateTest, ReportsIncompleteAddressInFrench) {
  LeaseRecord r = validRecord();
  r.address.street_number = "";
  r.address.street_type = "";
  r.address.street_name = "Résidence Les Pins";
  auto issues = check(r);
  ASSERT_TRUE(hasCode(issues, "address_incomplete"));
  EXPECT_EQ(classify(issues), Classification::kInvalid);
  EXPECT_NE(issues.front().message.find("Logement LOT100234"), std::string::npos);
  EXPECT_NE(issues.front().message.find("« Résidence Les Pins »"), std::string::npos);
  EXPECT_NE(issues.front().message.find("logiciel de gestion"), std::string::npos);
}

TEST_F(ValidateTest, RejectsPostalCodeOfAnotherCommune) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "75004";
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "postal_code_city_mismatch"));
}

TEST_F(ValidateTest, RejectsSurfaceBelowNineSquareMetres) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2 = 400;
  EXPECT_TRUE(hasCode(check(r), "surface_implausible"));
}

TEST_F(ValidateTest, RejectsMissingSurfaceAndRent) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2.reset();
  r.rent.reset();
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "surface_missing"));
  EXPECT_TRUE(hasCode(issues, "rent_missing"));
}

TEST_F(ValidateTest, RejectsMoveInDateInFuture) {
  LeaseRecord r = validRecord();
  r.move_in_date = Date{2026, 12, 5};
  EXPECT_TRUE(hasCode(check(r), "move_in_date_future"));
}

TEST_F(ValidateTest, RejectsLeaseSignedLongAfterMoveIn) {
  LeaseRecord r = validRecord();
  r.lease_date = Date{2025, 6, 1};
  EXPECT_TRUE(hasCode(check(r), "lease_date_after_move_in"));
}

TEST_F(ValidateTest, WarnsAboutImplausibleRentPerSquareMetre) {
  LeaseRecord r = validRecord();
  r.rent = 10000;  // 100 € for 45 m²
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "rent_per_m2_implausible"));
  EXPECT_EQ(classify(issues), Classification::kValid);
}

TEST_F(ValidateTest, WarnsAboutHighCharges) {
  LeaseRecord r = validRecord();
  r.charges = 40000;
  EXPECT_TRUE(hasCode(check(r), "charges_high"));
}

TEST_F(ValidateTest, RejectsRoomsOutOfRange) {
  LeaseRecord r = validRecord();
  r.rooms = 0;
  EXPECT_TRUE(hasCode(check(r), "rooms_implausible"));
}

TEST_F(ValidateTest, RejectsNegativeCharges) {
  LeaseRecord r = validRecord();
  r.charges = -1250;
  auto issues = check(r);
  ASSERT_TRUE(hasCode(issues, "charges_negative"));
  EXPECT_NE(issues.back().message.find("-12,50 €"), std::string::npos) << issues.back().message;
}

TEST_F(ValidateTest, RejectsDwellingIdTheFileCannotHold) {
  LeaseRecord r = validRecord();
  r.dwelling_id = std::string(51, 'X');
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_invalid"));
  r.dwelling_id = "LOT;1";
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_invalid"));
}

TEST_F(ValidateTest, DropsFloorOutsideTwoCharacters) {
  LeaseRecord r = validRecord();
  r.floor = 150;
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "floor_implausible"));
  EXPECT_FALSE(r.floor.has_value());
  EXPECT_EQ(classify(issues), Classification::kValid);
}

TEST_F(ValidateTest, RejectsConstructionYearInFuture) {
  LeaseRecord r = validRecord();
  r.construction_year = 2150;
  EXPECT_TRUE(hasCode(check(r), "construction_year_future"));
}

TEST_F(ValidateTest, WritesRatesWithDecimalComma) {
  LeaseRecord r = validRecord();
  r.rent = 300000;  // 3000 € for 45 m²
  auto issues = check(r);
  ASSERT_TRUE(hasCode(issues, "rent_per_m2_implausible"));
  EXPECT_NE(issues.back().message.find("66,67 €/m²"), std::string::npos) << issues.back().message;
}

TEST(ClassifyTest, OutOfScopeWinsOverErrors) {
  std::vector<Issue> issues = {{"surface_missing", Severity::kError, "surface", "", ""},
                               {"out_of_scope_lease", Severity::kOutOfScope, "lease_type", "", ""}};
  EXPECT_EQ(classify(issues), Classification::kOutOfScope);
}

TEST(ConstructionPeriodTest, MapsYearsToOfficialBands) {
  EXPECT_EQ(constructionPeriodOfYear(1918), 1);
  EXPECT_EQ(constructionPeriodOfYear(1919), 2);
  EXPECT_EQ(constructionPeriodOfYear(1945), 2);
  EXPECT_EQ(constructionPeriodOfYear(1946), 4);
  EXPECT_EQ(constructionPeriodOfYear(1990), 5);
  EXPECT_EQ(constructionPeriodOfYear(2005), 6);
  EXPECT_EQ(constructionPeriodOfYear(2006), 7);
}

}  // namespace
}  // namespace alur::lease
