#include "common/clock.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace alur {

namespace {

// 3000-12-31T23:59:59Z, the last time that the C runtime of Windows converts.
constexpr std::time_t kLastConvertible = 32535215999;

std::time_t withinCalendarRange(std::time_t seconds) {
  return std::clamp<std::time_t>(seconds, 0, kLastConvertible);
}

}  // namespace

std::tm utcParts(std::time_t seconds) {
  seconds = withinCalendarRange(seconds);
  std::tm parts{};
#ifdef _WIN32
  ::gmtime_s(&parts, &seconds);
#else
  ::gmtime_r(&seconds, &parts);
#endif
  return parts;
}

std::tm localParts(std::time_t seconds) {
  seconds = withinCalendarRange(seconds);
  std::tm parts{};
#ifdef _WIN32
  ::localtime_s(&parts, &seconds);
#else
  ::localtime_r(&seconds, &parts);
#endif
  return parts;
}

std::time_t fromUtcParts(const std::tm& parts) {
  using namespace std::chrono;
  year_month first_month = year(parts.tm_year + 1900) / January + months(parts.tm_mon);
  sys_days date = sys_days(first_month / 1) + days(parts.tm_mday - 1);
  // Counted in days, since system_clock's nanoseconds end in 2262.
  std::time_t day_count = date.time_since_epoch().count();
  return day_count * 86400 + std::time_t{parts.tm_hour} * 3600 + std::time_t{parts.tm_min} * 60 +
         parts.tm_sec;
}

long utcOffsetSeconds(std::time_t seconds) {
  seconds = withinCalendarRange(seconds);
  return static_cast<long>(fromUtcParts(localParts(seconds)) - seconds);
}

std::chrono::system_clock::time_point timePointOf(std::time_t seconds) {
  using std::chrono::system_clock;
  constexpr auto kLimit = std::chrono::duration_cast<std::chrono::seconds>(
      system_clock::duration::max() - std::chrono::hours(24));
  auto clamped = std::clamp<std::int64_t>(seconds, 0, kLimit.count());
  return system_clock::time_point(std::chrono::seconds(clamped));
}

std::string formatUtc(std::chrono::system_clock::time_point time) {
  std::tm parts = utcParts(std::chrono::system_clock::to_time_t(time));
  std::ostringstream out;
  out << std::put_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

std::chrono::system_clock::time_point parseUtc(const std::string& text) {
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail()) {
    return {};
  }
  return timePointOf(fromUtcParts(parts));
}

LocalDate localDate(std::chrono::system_clock::time_point time) {
  std::tm parts = localParts(std::chrono::system_clock::to_time_t(time));
  return {parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday};
}

}  // namespace alur
