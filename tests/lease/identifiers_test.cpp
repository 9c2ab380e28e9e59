#include "lease/identifiers.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace alur::lease {
namespace {

int currentUtcYear() {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

std::string cardOfYear(int year) { return "CPI 7501 " + std::to_string(year) + " 000 012 345"; }

TEST(SirenTest, AcceptsLuhnValidNumber) { EXPECT_TRUE(isValidSiren("552081317")); }

TEST(SirenTest, RejectsWrongCheckDigit) {
  EXPECT_FALSE(isValidSiren("123456789"));
  EXPECT_FALSE(isValidSiren("552081318"));
}

TEST(SirenTest, RejectsWrongLengthOrCharacters) {
  EXPECT_FALSE(isValidSiren("55208131"));
  EXPECT_FALSE(isValidSiren("5520813170"));
  EXPECT_FALSE(isValidSiren("55208131A"));
  EXPECT_FALSE(isValidSiren("552 081 317"));
  EXPECT_FALSE(isValidSiren(""));
}

TEST(SiretTest, AcceptsLuhnValidNumber) { EXPECT_TRUE(isValidSiret("73282932000074")); }

TEST(SiretTest, RejectsWrongCheckDigit) {
  EXPECT_FALSE(isValidSiret("12345678912345"));
  EXPECT_FALSE(isValidSiret("73282932000075"));
}

TEST(SiretTest, RejectsWrongLengthOrCharacters) {
  EXPECT_FALSE(isValidSiret("7328293200007"));
  EXPECT_FALSE(isValidSiret("732829320000740"));
  EXPECT_FALSE(isValidSiret("7328293200007A"));
  EXPECT_FALSE(isValidSiret("732 829 320 00074"));
  EXPECT_FALSE(isValidSiret(""));
}

TEST(SiretTest, AcceptsLaPosteDigitSumOfFive) {
  // Fails the Luhn check, but its digits sum to 45.
  EXPECT_TRUE(isValidSiret("35600000049837"));
}

TEST(SiretTest, RejectsLaPosteDigitSumNotOfFive) { EXPECT_FALSE(isValidSiret("35600000049838")); }

TEST(SiretTest, AcceptsLaPosteHeadOffice) { EXPECT_TRUE(isValidSiret("35600000000048")); }

TEST(ProfessionalCardTest, ReadsYearOfIssue) {
  EXPECT_EQ(professionalCardYear("CPI 7501 2016 000 012 345"), 2016);
}

TEST(ProfessionalCardTest, AcceptsCardWithOrWithoutSpaces) {
  EXPECT_TRUE(isValidProfessionalCard("CPI 7501 2016 000 012 345"));
  EXPECT_TRUE(isValidProfessionalCard("CPI75012016000012345"));
}

TEST(ProfessionalCardTest, AcceptsYearsFrom2015ToThisYear) {
  EXPECT_TRUE(isValidProfessionalCard(cardOfYear(2015)));
  EXPECT_TRUE(isValidProfessionalCard(cardOfYear(currentUtcYear())));
}

TEST(ProfessionalCardTest, RejectsYearsBefore2015OrFuture) {
  EXPECT_FALSE(isValidProfessionalCard(cardOfYear(2014)));
  EXPECT_FALSE(isValidProfessionalCard(cardOfYear(currentUtcYear() + 1)));
}

TEST(ProfessionalCardTest, RejectsOtherFormats) {
  EXPECT_FALSE(professionalCardYear("CPI 7501 2016 000 012 34").has_value());
  EXPECT_FALSE(professionalCardYear("CPI 7501 2016 000 012 3456").has_value());
  EXPECT_FALSE(professionalCardYear("cpi 7501 2016 000 012 345").has_value());
  EXPECT_FALSE(professionalCardYear("CPX 7501 2016 000 012 345").has_value());
  EXPECT_FALSE(professionalCardYear("CPI 7501 2016 000 012 34A").has_value());
  EXPECT_FALSE(professionalCardYear("T 1234").has_value());
  EXPECT_FALSE(isValidProfessionalCard(""));
}

TEST(InseeCodeTest, AcceptsDigitsForm) {
  EXPECT_TRUE(isValidInseeCode("69383"));
  EXPECT_TRUE(isValidInseeCode("01053"));
}

TEST(InseeCodeTest, AcceptsCorsica) {
  EXPECT_TRUE(isValidInseeCode("2A004"));
  EXPECT_TRUE(isValidInseeCode("2B033"));
}

TEST(InseeCodeTest, AcceptsOverseasDepartments) {
  EXPECT_TRUE(isValidInseeCode("97101"));
  EXPECT_TRUE(isValidInseeCode("97611"));
}

TEST(InseeCodeTest, RejectsOtherShapes) {
  EXPECT_FALSE(isValidInseeCode("6938"));
  EXPECT_FALSE(isValidInseeCode("693830"));
  EXPECT_FALSE(isValidInseeCode("2C004"));
  EXPECT_FALSE(isValidInseeCode("2a004"));
  EXPECT_FALSE(isValidInseeCode("2A0B4"));
  EXPECT_FALSE(isValidInseeCode("A2004"));
  EXPECT_FALSE(isValidInseeCode(""));
}

TEST(PostalCodeShapeTest, AcceptsFiveDigits) {
  EXPECT_TRUE(isValidPostalCodeShape("01000"));
  EXPECT_TRUE(isValidPostalCodeShape("97400"));
}

TEST(PostalCodeShapeTest, RejectsOtherShapes) {
  EXPECT_FALSE(isValidPostalCodeShape("1000"));
  EXPECT_FALSE(isValidPostalCodeShape("010000"));
  EXPECT_FALSE(isValidPostalCodeShape("0100A"));
  EXPECT_FALSE(isValidPostalCodeShape("01 00"));
  EXPECT_FALSE(isValidPostalCodeShape(""));
}

}  // namespace
}  // namespace alur::lease
