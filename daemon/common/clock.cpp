#include "common/clock.h"

#include <iomanip>
#include <sstream>

namespace alur {

std::tm utcParts(std::time_t seconds) {
  std::tm parts{};
#ifdef _WIN32
  if (::gmtime_s(&parts, &seconds) != 0) {
    parts = {};
  }
#else
  if (::gmtime_r(&seconds, &parts) == nullptr) {
    parts = {};
  }
#endif
  return parts;
}

std::tm localParts(std::time_t seconds) {
  std::tm parts{};
#ifdef _WIN32
  if (::localtime_s(&parts, &seconds) != 0) {
    parts = {};
  }
#else
  if (::localtime_r(&seconds, &parts) == nullptr) {
    parts = {};
  }
#endif
  return parts;
}

std::time_t fromUtcParts(const std::tm& parts) {
  using namespace std::chrono;
  year_month first_month = year(parts.tm_year + 1900) / January + months(parts.tm_mon);
  sys_days date = sys_days(first_month / 1) + days(parts.tm_mday - 1);
  return system_clock::to_time_t(date) + std::time_t{parts.tm_hour} * 3600 +
         std::time_t{parts.tm_min} * 60 + parts.tm_sec;
}

long utcOffsetSeconds(std::time_t seconds) {
  return static_cast<long>(fromUtcParts(localParts(seconds)) - seconds);
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
  return std::chrono::system_clock::from_time_t(fromUtcParts(parts));
}

LocalDate localDate(std::chrono::system_clock::time_point time) {
  std::tm parts = localParts(std::chrono::system_clock::to_time_t(time));
  return {parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday};
}

}  // namespace alur
