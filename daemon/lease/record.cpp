#include "lease/record.h"

#include <cstdio>
#include <sstream>

#include "common/hash.h"

namespace alur::lease {

std::int64_t Date::daysSinceEpoch() const {
  // Howard Hinnant's days_from_civil.
  int y = year - (month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int mp = (month + 9) % 12;
  int doy = (153 * mp + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

bool Date::isValid() const {
  if (year < 1800 || year > 2200 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max_day;
}

std::string Date::iso() const {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
  return text;
}

std::optional<Cents> LeaseRecord::totalRent() const {
  if (!rent) {
    return std::nullopt;
  }
  return *rent + rent_supplement.value_or(0);
}

namespace {

template <typename T>
std::string optionalText(const std::optional<T>& value) {
  if (!value) {
    return "";
  }
  if constexpr (std::is_enum_v<T>) {
    return std::to_string(static_cast<int>(*value));
  } else if constexpr (std::is_same_v<T, char>) {
    return std::string(1, *value);
  } else if constexpr (std::is_same_v<T, Date>) {
    return value->iso();
  } else {
    return std::to_string(*value);
  }
}

}  // namespace

std::string canonicalText(const LeaseRecord& r) {
  std::ostringstream out;
  out << "dwelling_id=" << r.dwelling_id << '\n'
      << "management_id=" << r.management_id << '\n'
      << "street_number=" << r.address.street_number << '\n'
      << "repetition=" << r.address.repetition << '\n'
      << "street_type=" << r.address.street_type << '\n'
      << "street_name=" << r.address.street_name << '\n'
      << "complement=" << r.address.complement << '\n'
      << "postal_code=" << r.address.postal_code << '\n'
      << "city=" << r.address.city << '\n'
      << "housing_type=" << optionalText(r.housing_type) << '\n'
      << "construction_year=" << optionalText(r.construction_year) << '\n'
      << "ownership=" << optionalText(r.ownership) << '\n'
      << "elevator=" << optionalText(r.elevator) << '\n'
      << "rooms=" << optionalText(r.rooms) << '\n'
      << "surface_centi_m2=" << optionalText(r.surface_centi_m2) << '\n'
      << "floor=" << optionalText(r.floor) << '\n'
      << "heating=" << optionalText(r.heating) << '\n'
      << "dpe_class=" << optionalText(r.dpe_class) << '\n'
      << "lease_type=" << optionalText(r.lease_type) << '\n'
      << "move_in_date=" << optionalText(r.move_in_date) << '\n'
      << "lease_date=" << optionalText(r.lease_date) << '\n'
      << "rent=" << optionalText(r.rent) << '\n'
      << "rent_supplement=" << optionalText(r.rent_supplement) << '\n'
      << "charges=" << optionalText(r.charges) << '\n';
  if (r.construction_band) {
    out << "construction_band=" << constructionBandCode(*r.construction_band) << '\n';
  }
  visitDetails(r.details, [&](const char* name, const auto& value) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      if (!value.empty()) {
        out << name << '=' << value << '\n';
      }
    } else if (value) {
      out << name << '=' << optionalText(value) << '\n';
    }
  });
  return out.str();
}

std::string fingerprint(const LeaseRecord& record) { return sha256Hex(canonicalText(record)); }

}  // namespace alur::lease
