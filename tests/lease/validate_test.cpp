#include "lease/validate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace alur::lease {
namespace {

// The date the tests treat as today.
constexpr Date kToday{2026, 12, 4};

class ValidateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static Result<PostalTable> loaded =
        PostalTable::load(std::string(ALUR_SOURCE_DIR) + "/data/laposte_hexasmal.csv");
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    table_ = &loaded.value();
  }

  // A lease that passes every rule: 45 m², 2 rooms, 650 € rent (14,44 €/m²), 80 € charges.
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
    validate(r, *table_, kToday, issues);
    return issues;
  }

  static bool hasCode(const std::vector<Issue>& issues, const std::string& code) {
    return std::any_of(issues.begin(), issues.end(),
                       [&](const Issue& i) { return i.code == code; });
  }

  static const Issue* findCode(const std::vector<Issue>& issues, const std::string& code) {
    auto found =
        std::find_if(issues.begin(), issues.end(), [&](const Issue& i) { return i.code == code; });
    return found == issues.end() ? nullptr : &*found;
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

TEST_F(ValidateTest, StartsEveryMessageWithDwelling) {
  LeaseRecord r = validRecord();
  r.address.street_number = "";
  r.surface_centi_m2 = 100;
  r.rent = 0;
  r.move_in_date = Date{2027, 1, 1};
  auto issues = check(r);
  ASSERT_FALSE(issues.empty());
  for (const auto& issue : issues) {
    EXPECT_EQ(issue.message.rfind("Logement LOT100234 : ", 0), 0u) << issue.message;
  }
}

// Dwelling id

TEST_F(ValidateTest, RejectsMissingDwellingId) {
  LeaseRecord r = validRecord();
  r.dwelling_id = "";
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_missing"));
}

TEST_F(ValidateTest, AcceptsDwellingIdOfFiftyCharacters) {
  LeaseRecord r = validRecord();
  r.dwelling_id = std::string(50, 'X');
  EXPECT_FALSE(hasCode(check(r), "dwelling_id_invalid"));
}

TEST_F(ValidateTest, CountsDwellingIdInCharacters) {
  LeaseRecord r = validRecord();
  r.dwelling_id.clear();
  for (int i = 0; i < 50; ++i) {
    r.dwelling_id += "é";
  }
  EXPECT_FALSE(hasCode(check(r), "dwelling_id_invalid"));
}

TEST_F(ValidateTest, RejectsDwellingIdOfFiftyOneCharacters) {
  LeaseRecord r = validRecord();
  r.dwelling_id = std::string(51, 'X');
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_invalid"));
}

TEST_F(ValidateTest, RejectsDwellingIdTheFileCannotHold) {
  LeaseRecord r = validRecord();
  r.dwelling_id = "LOT;1";
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_invalid"));
  r.dwelling_id = "LOT\n1";
  EXPECT_TRUE(hasCode(check(r), "dwelling_id_invalid"));
}

// Floor

TEST_F(ValidateTest, KeepsFloorsMinusNineToNinetyNine) {
  for (int floor : {-9, 99}) {
    LeaseRecord r = validRecord();
    r.floor = floor;
    auto issues = check(r);
    EXPECT_FALSE(hasCode(issues, "floor_implausible")) << floor;
    EXPECT_EQ(r.floor, floor);
  }
}

TEST_F(ValidateTest, DropsFloorOutsideTwoCharacters) {
  for (int floor : {-10, 100}) {
    LeaseRecord r = validRecord();
    r.floor = floor;
    auto issues = check(r);
    EXPECT_TRUE(hasCode(issues, "floor_implausible")) << floor;
    EXPECT_FALSE(r.floor.has_value()) << floor;
    EXPECT_EQ(classify(issues), Classification::kValid) << floor;
  }
}

// Address

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

TEST_F(ValidateTest, RejectsAddressWithoutStreetName) {
  LeaseRecord r = validRecord();
  r.address.street_name = "";
  EXPECT_TRUE(hasCode(check(r), "address_incomplete"));
}

TEST_F(ValidateTest, AcceptsAddressWithNumberAndName) {
  LeaseRecord r = validRecord();
  r.address.repetition = "";
  EXPECT_FALSE(hasCode(check(r), "address_incomplete"));
}

TEST_F(ValidateTest, LeavesAddressToReaderFinding) {
  LeaseRecord r = validRecord();
  r.address.street_number = "";
  std::vector<Issue> issues = {{"address_invalid", Severity::kError, "address", "", ""}};
  validate(r, *table_, kToday, issues);
  EXPECT_FALSE(hasCode(issues, "address_incomplete"));
}

TEST_F(ValidateTest, RejectsAddressWithoutStreetType) {
  LeaseRecord r = validRecord();
  r.address.street_type = "";
  EXPECT_TRUE(hasCode(check(r), "street_type_missing"));
}

TEST_F(ValidateTest, QuotesAddressWithoutDoubleSpaces) {
  LeaseRecord r = validRecord();
  r.address.street_type = "";
  auto issues = check(r);
  const Issue* missing = findCode(issues, "street_type_missing");
  ASSERT_NE(missing, nullptr);
  EXPECT_NE(missing->message.find("« 12 des Lilas »"), std::string::npos) << missing->message;
}

TEST_F(ValidateTest, AcceptsAddressWithStreetType) {
  LeaseRecord r = validRecord();
  EXPECT_FALSE(hasCode(check(r), "street_type_missing"));
}

TEST_F(ValidateTest, RejectsMissingCity) {
  LeaseRecord r = validRecord();
  r.address.city = "";
  EXPECT_TRUE(hasCode(check(r), "city_missing"));
}

// Postal code

TEST_F(ValidateTest, RejectsMissingPostalCode) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "";
  EXPECT_TRUE(hasCode(check(r), "postal_code_missing"));
}

TEST_F(ValidateTest, AcceptsFiveDigitPostalCode) {
  LeaseRecord r = validRecord();
  EXPECT_FALSE(hasCode(check(r), "postal_code_invalid"));
}

TEST_F(ValidateTest, RejectsPostalCodeOfWrongShape) {
  for (const char* postal_code : {"6900", "690030", "69O03", "69 03"}) {
    LeaseRecord r = validRecord();
    r.address.postal_code = postal_code;
    EXPECT_TRUE(hasCode(check(r), "postal_code_invalid")) << postal_code;
  }
}

TEST_F(ValidateTest, LeavesPostalCodeToReaderFinding) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "6900";
  std::vector<Issue> issues = {
      {"postal_code_leading_zero_lost", Severity::kError, "postal_code", "6900", ""}};
  validate(r, *table_, kToday, issues);
  EXPECT_FALSE(hasCode(issues, "postal_code_invalid"));
}

TEST_F(ValidateTest, RejectsPostalCodeOfAnotherCommune) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "75004";
  auto issues = check(r);
  const Issue* mismatch = findCode(issues, "postal_code_city_mismatch");
  ASSERT_NE(mismatch, nullptr);
  EXPECT_NE(mismatch->message.find("ce code postal dessert : PARIS 04"), std::string::npos)
      << mismatch->message;
}

TEST_F(ValidateTest, RejectsPostalCodeLaPosteDoesNotUse) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "99999";
  auto issues = check(r);
  const Issue* mismatch = findCode(issues, "postal_code_city_mismatch");
  ASSERT_NE(mismatch, nullptr);
  EXPECT_NE(mismatch->message.find("n'existe pas"), std::string::npos) << mismatch->message;
}

// INSEE code found in the postal table

TEST_F(ValidateTest, AcceptsCorsicanInseeCode) {
  LeaseRecord r = validRecord();
  r.address.postal_code = "20000";
  r.address.city = "Ajaccio";
  auto issues = check(r);
  EXPECT_FALSE(hasCode(issues, "insee_code_invalid"));
  EXPECT_EQ(r.address.insee_code, "2A004");
}

TEST_F(ValidateTest, RejectsInseeCodeOfDamagedTable) {
  auto path = std::filesystem::path(::testing::TempDir()) / "damaged_postal_table.csv";
  {
    std::ofstream out(path);
    out << "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement\n"
        << "6938;LYON 03;69003;;LYON\n";
  }
  auto damaged = PostalTable::load(path);
  ASSERT_TRUE(damaged.ok()) << damaged.message();
  LeaseRecord r = validRecord();
  std::vector<Issue> issues;
  validate(r, *damaged, kToday, issues);
  const Issue* invalid = findCode(issues, "insee_code_invalid");
  ASSERT_NE(invalid, nullptr);
  EXPECT_NE(invalid->message.find("damaged_postal_table.csv"), std::string::npos)
      << invalid->message;
  EXPECT_TRUE(r.address.insee_code.empty());
  std::filesystem::remove(path);
}

// Housing and lease type

TEST_F(ValidateTest, RejectsMissingHousingAndLeaseType) {
  LeaseRecord r = validRecord();
  r.housing_type.reset();
  r.lease_type.reset();
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "housing_type_missing"));
  EXPECT_TRUE(hasCode(issues, "lease_type_missing"));
}

// Surface and rooms

TEST_F(ValidateTest, RejectsMissingSurfaceAndRent) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2.reset();
  r.rent.reset();
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "surface_missing"));
  EXPECT_TRUE(hasCode(issues, "rent_missing"));
}

TEST_F(ValidateTest, LeavesSurfaceToReaderFinding) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2.reset();
  std::vector<Issue> issues = {{"surface_invalid", Severity::kError, "surface", "45m", ""}};
  validate(r, *table_, kToday, issues);
  EXPECT_FALSE(hasCode(issues, "surface_missing"));
}

TEST_F(ValidateTest, AcceptsSurfaceOfNineSquareMetres) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2 = 900;
  EXPECT_FALSE(hasCode(check(r), "surface_implausible"));
}

TEST_F(ValidateTest, RejectsSurfaceBelowNineSquareMetres) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2 = 899;
  EXPECT_TRUE(hasCode(check(r), "surface_implausible"));
}

TEST_F(ValidateTest, AcceptsSurfaceOf999SquareMetres) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2 = 99900;
  EXPECT_FALSE(hasCode(check(r), "surface_implausible"));
}

TEST_F(ValidateTest, RejectsSurfaceAbove999SquareMetres) {
  LeaseRecord r = validRecord();
  r.surface_centi_m2 = 99901;
  auto issues = check(r);
  const Issue* implausible = findCode(issues, "surface_implausible");
  ASSERT_NE(implausible, nullptr);
  EXPECT_NE(implausible->message.find("999,01 m²"), std::string::npos) << implausible->message;
}

TEST_F(ValidateTest, RejectsMissingRooms) {
  LeaseRecord r = validRecord();
  r.rooms.reset();
  EXPECT_TRUE(hasCode(check(r), "rooms_missing"));
}

TEST_F(ValidateTest, AcceptsOneToTwentyRooms) {
  for (int rooms : {1, 20}) {
    LeaseRecord r = validRecord();
    r.rooms = rooms;
    EXPECT_FALSE(hasCode(check(r), "rooms_implausible")) << rooms;
  }
}

TEST_F(ValidateTest, RejectsRoomsOutOfRange) {
  for (int rooms : {0, 21}) {
    LeaseRecord r = validRecord();
    r.rooms = rooms;
    EXPECT_TRUE(hasCode(check(r), "rooms_implausible")) << rooms;
  }
}

TEST_F(ValidateTest, AcceptsSevenToSixtyM2PerRoom) {
  for (int surface : {1400, 12000}) {  // 2 rooms
    LeaseRecord r = validRecord();
    r.surface_centi_m2 = surface;
    EXPECT_FALSE(hasCode(check(r), "surface_per_room_implausible")) << surface;
  }
}

TEST_F(ValidateTest, WarnsAboutSurfacePerRoomOutOfRange) {
  for (int surface : {1399, 12001}) {  // 2 rooms
    LeaseRecord r = validRecord();
    r.surface_centi_m2 = surface;
    auto issues = check(r);
    EXPECT_TRUE(hasCode(issues, "surface_per_room_implausible")) << surface;
    EXPECT_EQ(classify(issues), Classification::kValid) << surface;
  }
}

TEST_F(ValidateTest, ChecksSurfacePerRoomWithoutOverflow) {
  LeaseRecord r = validRecord();
  r.rooms = 999999999;
  EXPECT_TRUE(hasCode(check(r), "surface_per_room_implausible"));
}

// Construction period

TEST_F(ValidateTest, RejectsMissingConstructionPeriod) {
  LeaseRecord r = validRecord();
  r.construction_year.reset();
  EXPECT_TRUE(hasCode(check(r), "construction_period_missing"));
}

TEST_F(ValidateTest, LeavesConstructionBandToReaderFinding) {
  LeaseRecord r = validRecord();
  r.construction_year.reset();
  std::vector<Issue> issues = {
      {"value_unmapped", Severity::kError, "construction_band", "vers 1950", ""}};
  validate(r, *table_, kToday, issues);
  EXPECT_FALSE(hasCode(issues, "construction_period_missing"));
}

TEST_F(ValidateTest, PrefersCompletionYearToBand) {
  LeaseRecord r = validRecord();
  r.construction_band = ConstructionBand::kSince2005;
  auto issues = check(r);
  EXPECT_EQ(r.construction_period, 4);
  EXPECT_FALSE(hasCode(issues, "construction_period_ambiguous"));
}

TEST_F(ValidateTest, MapsBandsToNearestOfficialPeriod) {
  struct Case {
    ConstructionBand band;
    int period;
    bool ambiguous;
  };
  for (const Case& c :
       {Case{ConstructionBand::kBefore1949, 3, true}, Case{ConstructionBand::k1949To1974, 4, true},
        Case{ConstructionBand::k1975To1989, 5, false}, Case{ConstructionBand::k1989To2005, 6, true},
        Case{ConstructionBand::kSince2005, 7, true}}) {
    SCOPED_TRACE(constructionBandCode(c.band));
    LeaseRecord r = validRecord();
    r.construction_year.reset();
    r.construction_band = c.band;
    auto issues = check(r);
    EXPECT_EQ(r.construction_period, c.period);
    EXPECT_EQ(hasCode(issues, "construction_period_ambiguous"), c.ambiguous);
    EXPECT_FALSE(hasCode(issues, "construction_period_missing"));
    EXPECT_EQ(classify(issues), Classification::kValid);
  }
}

TEST_F(ValidateTest, TakesOfficialCodesAsExact) {
  for (int code = 1; code <= 7; ++code) {
    auto band = constructionBandOfCode(std::to_string(code));
    ASSERT_TRUE(band.has_value()) << code;
    LeaseRecord r = validRecord();
    r.construction_year.reset();
    r.construction_band = *band;
    auto issues = check(r);
    EXPECT_EQ(r.construction_period, code);
    EXPECT_FALSE(hasCode(issues, "construction_period_ambiguous")) << code;
  }
}

TEST_F(ValidateTest, ExplainsAmbiguousBandInFrench) {
  LeaseRecord r = validRecord();
  r.construction_year.reset();
  r.construction_band = ConstructionBand::k1949To1974;
  auto issues = check(r);
  const Issue* ambiguous = findCode(issues, "construction_period_ambiguous");
  ASSERT_NE(ambiguous, nullptr);
  EXPECT_EQ(ambiguous->field, "construction_band");
  EXPECT_EQ(ambiguous->value, "1949_1974");
  EXPECT_EQ(ambiguous->message,
            "Logement LOT100234 : époque de construction « 1949–1974 » à cheval sur deux "
            "périodes officielles, car les années 1971 à 1974 relèvent de la période "
            "1971–1990. La période 1946–1970 est transmise. Complétez l'année d'achèvement "
            "dans votre logiciel de gestion.");
}

TEST_F(ValidateTest, AcceptsConstructionYearOfThisYear) {
  LeaseRecord r = validRecord();
  r.construction_year = 2026;
  auto issues = check(r);
  EXPECT_FALSE(hasCode(issues, "construction_year_future"));
  EXPECT_EQ(r.construction_period, 7);
}

TEST_F(ValidateTest, RejectsConstructionYearInFuture) {
  LeaseRecord r = validRecord();
  r.construction_year = 2027;
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "construction_year_future"));
  EXPECT_FALSE(r.construction_period.has_value());
}

// Rent and charges

TEST_F(ValidateTest, RejectsRentOfZero) {
  LeaseRecord r = validRecord();
  r.rent = 0;
  EXPECT_TRUE(hasCode(check(r), "rent_invalid"));
}

TEST_F(ValidateTest, RejectsNegativeRent) {
  LeaseRecord r = validRecord();
  r.rent = -65000;
  EXPECT_TRUE(hasCode(check(r), "rent_invalid"));
}

TEST_F(ValidateTest, AcceptsRentOfOneCent) {
  LeaseRecord r = validRecord();
  r.rent = 1;
  EXPECT_FALSE(hasCode(check(r), "rent_invalid"));
}

TEST_F(ValidateTest, AcceptsRentOfThreeToSixtyPerM2) {
  for (Cents rent : {13500, 270000}) {  // 45 m²
    LeaseRecord r = validRecord();
    r.rent = rent;
    EXPECT_FALSE(hasCode(check(r), "rent_per_m2_implausible")) << rent;
  }
}

TEST_F(ValidateTest, WarnsAboutRentPerM2OutOfRange) {
  for (Cents rent : {13499, 270001}) {  // 45 m²
    LeaseRecord r = validRecord();
    r.rent = rent;
    auto issues = check(r);
    EXPECT_TRUE(hasCode(issues, "rent_per_m2_implausible")) << rent;
    EXPECT_EQ(classify(issues), Classification::kValid) << rent;
  }
}

TEST_F(ValidateTest, WritesRatesWithDecimalComma) {
  LeaseRecord r = validRecord();
  r.rent = 300000;  // 3000 € for 45 m²
  auto issues = check(r);
  ASSERT_TRUE(hasCode(issues, "rent_per_m2_implausible"));
  EXPECT_NE(issues.back().message.find("66,67 €/m²"), std::string::npos) << issues.back().message;
}

TEST_F(ValidateTest, AcceptsZeroChargesAndSupplement) {
  LeaseRecord r = validRecord();
  r.charges = 0;
  r.rent_supplement = 0;
  auto issues = check(r);
  EXPECT_FALSE(hasCode(issues, "charges_negative"));
  EXPECT_FALSE(hasCode(issues, "rent_supplement_negative"));
}

TEST_F(ValidateTest, RejectsNegativeCharges) {
  LeaseRecord r = validRecord();
  r.charges = -1250;
  auto issues = check(r);
  ASSERT_TRUE(hasCode(issues, "charges_negative"));
  EXPECT_NE(issues.back().message.find("-12,50 €"), std::string::npos) << issues.back().message;
}

TEST_F(ValidateTest, RejectsNegativeRentSupplement) {
  LeaseRecord r = validRecord();
  r.rent_supplement = -1;
  EXPECT_TRUE(hasCode(check(r), "rent_supplement_negative"));
}

TEST_F(ValidateTest, AcceptsChargesOfHalfTheRent) {
  LeaseRecord r = validRecord();
  r.charges = 32500;
  EXPECT_FALSE(hasCode(check(r), "charges_high"));
}

TEST_F(ValidateTest, WarnsAboutChargesAboveHalfTheRent) {
  LeaseRecord r = validRecord();
  r.charges = 32501;
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "charges_high"));
  EXPECT_EQ(classify(issues), Classification::kValid);
}

TEST_F(ValidateTest, ComparesChargesWithRentAndSupplement) {
  LeaseRecord r = validRecord();
  r.rent = 60000;
  r.rent_supplement = 5000;
  r.charges = 32500;
  EXPECT_FALSE(hasCode(check(r), "charges_high"));
}

// Dates

TEST_F(ValidateTest, RejectsMissingDates) {
  LeaseRecord r = validRecord();
  r.move_in_date.reset();
  r.lease_date.reset();
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "move_in_date_missing"));
  EXPECT_TRUE(hasCode(issues, "lease_date_missing"));
}

TEST_F(ValidateTest, AcceptsMoveInToday) {
  LeaseRecord r = validRecord();
  r.move_in_date = kToday;
  r.lease_date = kToday;
  EXPECT_FALSE(hasCode(check(r), "move_in_date_future"));
}

TEST_F(ValidateTest, RejectsMoveInDateInFuture) {
  LeaseRecord r = validRecord();
  r.move_in_date = Date{2026, 12, 5};
  EXPECT_TRUE(hasCode(check(r), "move_in_date_future"));
}

TEST_F(ValidateTest, AcceptsLeapDayMoveIn) {
  LeaseRecord r = validRecord();
  r.move_in_date = Date{2024, 2, 29};
  r.lease_date = Date{2024, 2, 1};
  EXPECT_FALSE(hasCode(check(r), "move_in_date_invalid"));
}

TEST_F(ValidateTest, RejectsImpossibleDates) {
  LeaseRecord r = validRecord();
  r.move_in_date = Date{2023, 2, 29};
  r.lease_date = Date{2023, 4, 31};
  auto issues = check(r);
  EXPECT_TRUE(hasCode(issues, "move_in_date_invalid"));
  EXPECT_TRUE(hasCode(issues, "lease_date_invalid"));
}

TEST_F(ValidateTest, AcceptsLeaseNinetyDaysAfterMoveIn) {
  LeaseRecord r = validRecord();
  r.lease_date = Date{2025, 5, 30};  // move-in 2025-03-01
  EXPECT_FALSE(hasCode(check(r), "lease_date_after_move_in"));
}

TEST_F(ValidateTest, RejectsLeaseNinetyOneDaysAfterMoveIn) {
  LeaseRecord r = validRecord();
  r.lease_date = Date{2025, 5, 31};  // move-in 2025-03-01
  EXPECT_TRUE(hasCode(check(r), "lease_date_after_move_in"));
}

TEST_F(ValidateTest, AcceptsLeaseSignedLongBeforeMoveIn) {
  LeaseRecord r = validRecord();
  r.lease_date = Date{2024, 3, 1};
  EXPECT_FALSE(hasCode(check(r), "lease_date_after_move_in"));
}

TEST_F(ValidateTest, LeavesDatesToReaderFinding) {
  LeaseRecord r = validRecord();
  r.move_in_date.reset();
  std::vector<Issue> issues = {
      {"move_in_date_invalid", Severity::kError, "move_in_date", "45292", ""}};
  validate(r, *table_, kToday, issues);
  EXPECT_FALSE(hasCode(issues, "move_in_date_missing"));
}

TEST(ClassifyTest, OutOfScopeWinsOverErrors) {
  std::vector<Issue> issues = {{"surface_missing", Severity::kError, "surface", "", ""},
                               {"out_of_scope_lease", Severity::kOutOfScope, "lease_type", "", ""}};
  EXPECT_EQ(classify(issues), Classification::kOutOfScope);
}

TEST(ClassifyTest, WarningsLeaveLeaseValid) {
  std::vector<Issue> issues = {{"charges_high", Severity::kWarning, "charges", "", ""}};
  EXPECT_EQ(classify(issues), Classification::kValid);
}

}  // namespace
}  // namespace alur::lease
