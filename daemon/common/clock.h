// Time sources behind an interface, so that tests drive time instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace alur {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for calendar schedules and for the dates written into files.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for timeouts and backoff.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that moves only when a caller sets or advances it: for tests, and to evaluate a
// schedule at a given time.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point now = {},
                       std::chrono::steady_clock::time_point steady_now = {})
      : now_(now), steady_now_(steady_now) {}

  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steadyNow() const override { return steady_now_; }

  // Moves both clocks forward by `elapsed`, as time passing does.
  void advance(std::chrono::steady_clock::duration elapsed) {
    now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed);
    steady_now_ += elapsed;
  }
  // Sets the wall clock only, as an administrator or NTP does; the monotonic clock stays.
  void setWallClock(std::chrono::system_clock::time_point now) { now_ = now; }

 private:
  std::chrono::system_clock::time_point now_;
  std::chrono::steady_clock::time_point steady_now_;
};

// Formats a time as ISO 8601 UTC with seconds, e.g. "2026-12-04T16:05:50Z".
std::string formatUtc(std::chrono::system_clock::time_point time);

// Parses the output of formatUtc; returns the epoch for text it cannot read.
std::chrono::system_clock::time_point parseUtc(const std::string& text);

// Calendar date of `time` in the machine's local time zone.
struct LocalDate {
  int year = 0;
  int month = 0;
  int day = 0;
};
LocalDate localDate(std::chrono::system_clock::time_point time);

// The calendar fields of `seconds` in UTC and in the machine's local time zone, on every
// platform. The C runtime of Windows converts the years 1970 to 3000 only, so a time outside
// them is taken as the nearest end of that range.
std::tm utcParts(std::time_t seconds);
std::tm localParts(std::time_t seconds);

// Returns the time that calendar fields in UTC name, as timegm does. A field outside its range
// carries into the next one.
std::time_t fromUtcParts(const std::tm& parts);

// The time point of `seconds`, as system_clock::from_time_t gives it, but limited to the years
// 1970 to about 2262 (the end of libstdc++'s nanoseconds, less a day) instead of wrapping
// around, e.g. for a certificate valid until 9999. Within that range, a difference of two time
// points cannot overflow.
std::chrono::system_clock::time_point timePointOf(std::time_t seconds);

// The offset of local time from UTC at `seconds`, e.g. 3600 in Paris in winter.
long utcOffsetSeconds(std::time_t seconds);

}  // namespace alur
