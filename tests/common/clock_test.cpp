#include "common/clock.h"

#include <ctime>

#include <gtest/gtest.h>

#include "schedule/paris_time.h"

namespace alur {
namespace {

using testing::ParisTime;
using testing::TimeZoneScope;

std::tm parts(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return testing::calendarFields(year, month, day, hour, minute, second);
}

TEST(ClockTest, FromUtcPartsGivesKnownTimes) {
  EXPECT_EQ(fromUtcParts(parts(1970, 1, 1)), 0);
  EXPECT_EQ(fromUtcParts(parts(2000, 2, 29, 12)), 951825600);
  EXPECT_EQ(fromUtcParts(parts(2026, 12, 4, 16, 5, 50)), 1796400350);
  EXPECT_EQ(fromUtcParts(parts(2038, 1, 19, 3, 14, 8)), 2147483648);
}

TEST(ClockTest, FromUtcPartsCarriesOutOfRangeFields) {
  EXPECT_EQ(fromUtcParts(parts(2026, 13, 1)), fromUtcParts(parts(2027, 1, 1)));
  EXPECT_EQ(fromUtcParts(parts(2027, 2, 29)), fromUtcParts(parts(2027, 3, 1)));
  EXPECT_EQ(fromUtcParts(parts(2028, 2, 29)) + 86400, fromUtcParts(parts(2028, 3, 1)));
  EXPECT_EQ(fromUtcParts(parts(2027, 0, 1)), fromUtcParts(parts(2026, 12, 1)));
  EXPECT_EQ(fromUtcParts(parts(2027, 1, 0)), fromUtcParts(parts(2026, 12, 31)));
  EXPECT_EQ(fromUtcParts(parts(2027, 1, 1, -1)), fromUtcParts(parts(2026, 12, 31, 23)));
  EXPECT_EQ(fromUtcParts(parts(2027, 1, 1, 0, 0, -1)),
            fromUtcParts(parts(2026, 12, 31, 23, 59, 59)));
}

TEST(ClockTest, FromUtcPartsFarFromNow) {
  for (int year : {1, 1600, 1677, 1969, 2262, 2263, 3000, 9999}) {
    std::tm fields = parts(year, 12, 31, 23, 59, 59);
    std::tm copy = fields;
    EXPECT_EQ(fromUtcParts(fields), timegm(&copy)) << year;
  }
}

TEST(ClockTest, FarTimesStayInRange) {
  // A certificate valid until 9999, as RFC 5280 writes "no expiry", is a time past 2262.
  auto expiry = parseUtc("9999-12-31T23:59:59Z");
  EXPECT_GT(expiry, parseUtc("2262-01-01T00:00:00Z"));
  EXPECT_EQ(formatUtc(expiry).substr(0, 5), "2262-");
  EXPECT_EQ(timePointOf(-(std::time_t{1} << 60)), std::chrono::system_clock::time_point{});
  auto now = std::chrono::system_clock::now();
  EXPECT_GT(now - parseUtc("0001-01-01T00:00:00Z"), std::chrono::hours(24 * 365 * 56));
  EXPECT_LT(now - parseUtc("9999-12-31T23:59:59Z"), std::chrono::hours(0));
  EXPECT_EQ(formatUtc(std::chrono::system_clock::from_time_t(-86400)), "1970-01-01T00:00:00Z");
}

TEST(ClockTest, RoundTripMatchesTimegm) {
  // Every 7 hours and 13 minutes over 60 years, through leap years and 2038.
  for (std::time_t t = 0; t < std::time_t{60} * 365 * 86400; t += 7 * 3600 + 13 * 60) {
    std::tm fields = utcParts(t);
    ASSERT_EQ(fromUtcParts(fields), t) << formatUtc(std::chrono::system_clock::from_time_t(t));
    std::tm copy = fields;
    ASSERT_EQ(timegm(&copy), t);
  }
}

TEST(ClockTest, ParsesWhatItFormats) {
  auto time = std::chrono::system_clock::from_time_t(1796400350);
  EXPECT_EQ(formatUtc(time), "2026-12-04T16:05:50Z");
  EXPECT_EQ(parseUtc("2026-12-04T16:05:50Z"), time);
  EXPECT_EQ(parseUtc("4 December 2026"), std::chrono::system_clock::time_point{});
}

TEST(ClockTest, UtcOffsetFollowsSummerTimeInParis) {
  ParisTime paris;
  EXPECT_EQ(utcOffsetSeconds(fromUtcParts(parts(2027, 1, 15, 12))), 3600);
  EXPECT_EQ(utcOffsetSeconds(fromUtcParts(parts(2027, 7, 15, 12))), 7200);
  // The spring change: 01:00 UTC on the last Sunday of March 2027, the 28th.
  EXPECT_EQ(utcOffsetSeconds(fromUtcParts(parts(2027, 3, 28, 0, 59, 59))), 3600);
  EXPECT_EQ(utcOffsetSeconds(fromUtcParts(parts(2027, 3, 28, 1))), 7200);
  std::tm local = localParts(fromUtcParts(parts(2027, 3, 28, 1)));
  EXPECT_EQ(local.tm_hour, 3);
}

TEST(ClockTest, UtcOffsetIsNegativeWestOfGreenwich) {
  TimeZoneScope martinique("America/Martinique");
  EXPECT_EQ(utcOffsetSeconds(fromUtcParts(parts(2027, 1, 15, 12))), -4 * 3600);
  EXPECT_EQ(
      localDate(std::chrono::system_clock::from_time_t(fromUtcParts(parts(2027, 1, 1, 2)))).day,
      31);
}

}  // namespace
}  // namespace alur
