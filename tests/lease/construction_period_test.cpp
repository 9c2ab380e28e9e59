#include "lease/construction_period.h"

#include <gtest/gtest.h>

namespace alur::lease {
namespace {

TEST(ConstructionPeriodTest, MapsYearsToOfficialBands) {
  EXPECT_EQ(constructionPeriodOfYear(1918), 1);
  EXPECT_EQ(constructionPeriodOfYear(1919), 2);
  EXPECT_EQ(constructionPeriodOfYear(1945), 2);
  EXPECT_EQ(constructionPeriodOfYear(1946), 4);
  EXPECT_EQ(constructionPeriodOfYear(1970), 4);
  EXPECT_EQ(constructionPeriodOfYear(1971), 5);
  EXPECT_EQ(constructionPeriodOfYear(1990), 5);
  EXPECT_EQ(constructionPeriodOfYear(1991), 6);
  EXPECT_EQ(constructionPeriodOfYear(2005), 6);
  EXPECT_EQ(constructionPeriodOfYear(2006), 7);
}

TEST(ConstructionBandTest, ReadsBackEveryCode) {
  for (ConstructionBand band : kConstructionBands) {
    EXPECT_EQ(constructionBandOfCode(constructionBandCode(band)), band)
        << constructionBandCode(band);
  }
}

TEST(ConstructionBandTest, RejectsUnknownCode) {
  EXPECT_FALSE(constructionBandOfCode("8").has_value());
  EXPECT_FALSE(constructionBandOfCode("before_1950").has_value());
  EXPECT_FALSE(constructionBandOfCode("").has_value());
}

TEST(ConstructionBandTest, MapsOfficialCodesToThemselves) {
  EXPECT_EQ(constructionPeriodOfBand(ConstructionBand::kOfficial1).period, 1);
  EXPECT_EQ(constructionPeriodOfBand(ConstructionBand::kOfficial3).period, 3);
  EXPECT_EQ(constructionPeriodOfBand(ConstructionBand::kOfficial7).period, 7);
}

TEST(ConstructionBandTest, MarksStraddlingBands) {
  EXPECT_NE(constructionPeriodOfBand(ConstructionBand::kBefore1949).years_elsewhere, nullptr);
  EXPECT_NE(constructionPeriodOfBand(ConstructionBand::k1949To1974).years_elsewhere, nullptr);
  EXPECT_EQ(constructionPeriodOfBand(ConstructionBand::k1975To1989).years_elsewhere, nullptr);
  EXPECT_NE(constructionPeriodOfBand(ConstructionBand::k1989To2005).years_elsewhere, nullptr);
  EXPECT_NE(constructionPeriodOfBand(ConstructionBand::kSince2005).years_elsewhere, nullptr);
}

}  // namespace
}  // namespace alur::lease
