// Sets the process time zone to Europe/Paris for schedule tests, and builds instants from UTC
// calendar fields so that each test states exactly which instant it means.
#pragma once

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

namespace alur::testing {

using SystemTime = std::chrono::system_clock::time_point;

// Calendar fields as std::tm counts them (years from 1900, months from 0).
inline std::tm calendarFields(int year, int month, int day, int hour = 0, int minute = 0,
                              int second = 0) {
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  return parts;
}

inline SystemTime utc(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm parts = calendarFields(year, month, day, hour, minute, second);
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

// Formats `time` in the process time zone as "2026-03-29 03:00 CEST".
inline std::string localText(SystemTime time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M %Z", &local);
  return text;
}

// Switches the process to the time zone `zone` for the life of the object, then back.
class TimeZoneScope {
 public:
  explicit TimeZoneScope(const char* zone) {
    const char* previous = std::getenv("TZ");
    had_previous_ = previous != nullptr;
    previous_ = had_previous_ ? previous : "";
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~TimeZoneScope() {
    if (had_previous_) {
      ::setenv("TZ", previous_.c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  TimeZoneScope(const TimeZoneScope&) = delete;
  TimeZoneScope& operator=(const TimeZoneScope&) = delete;

 private:
  bool had_previous_ = false;
  std::string previous_;
};

// Switches the process to Europe/Paris for the life of the object. Fails the test when the
// zone is not installed, because glibc silently falls back to UTC for an unknown TZ.
class ParisTime : public TimeZoneScope {
 public:
  ParisTime() : TimeZoneScope("Europe/Paris") {
    EXPECT_EQ(localText(utc(2026, 1, 15, 12, 0)), "2026-01-15 13:00 CET")
        << "Europe/Paris is not installed: apt-get install tzdata";
    EXPECT_EQ(localText(utc(2026, 7, 15, 12, 0)), "2026-07-15 14:00 CEST")
        << "Europe/Paris is not installed: apt-get install tzdata";
  }
};

}  // namespace alur::testing
