#include "ingest/values.h"

#include <vector>

#include "common/text.h"

namespace alur::ingest {
namespace {

void removeAll(std::string& text, const std::string& piece) {
  if (piece.empty()) {
    return;
  }
  for (auto pos = text.find(piece); pos != std::string::npos; pos = text.find(piece, pos)) {
    text.erase(pos, piece.size());
  }
}

std::optional<lease::Date> matchDate(const std::string& text, DateFormat format) {
  char separator = format == DateFormat::kIso                   ? '-'
                   : format == DateFormat::kDayDotMonthDotYear4 ? '.'
                                                                : '/';
  std::vector<std::string> parts = split(text, separator);
  if (parts.size() != 3) {
    return std::nullopt;
  }
  for (const auto& part : parts) {
    if (!isDigits(part)) {
      return std::nullopt;
    }
  }
  bool iso = format == DateFormat::kIso;
  const std::string& day = iso ? parts[2] : parts[0];
  const std::string& month = parts[1];
  const std::string& year = iso ? parts[0] : parts[2];
  std::size_t year_digits = format == DateFormat::kDayMonthYear2 ? 2 : 4;
  if (year.size() != year_digits || day.size() > 2 || month.size() > 2) {
    return std::nullopt;
  }
  int full_year = std::stoi(year);
  if (year_digits == 2) {
    // Two-digit years are read in a window: 00–69 → 2000s, 70–99 → 1900s.
    full_year += full_year < 70 ? 2000 : 1900;
  }
  lease::Date date{full_year, std::stoi(month), std::stoi(day)};
  if (!date.isValid()) {
    return std::nullopt;
  }
  return date;
}

}  // namespace

std::optional<std::int64_t> parseHundredths(const std::string& raw, const Profile& profile,
                                            std::string& problem) {
  std::string text = trim(raw);
  for (const auto& mark : profile.currency_marks) {
    removeAll(text, mark);
  }
  for (const auto& separator : profile.thousands_separators) {
    removeAll(text, separator);
  }
  text = trim(text);
  if (text.empty()) {
    return std::nullopt;
  }
  bool negative = text[0] == '-';
  if (negative) {
    text.erase(0, 1);
  }
  auto point = text.find(profile.decimal_separator);
  std::string whole = point == std::string::npos ? text : text.substr(0, point);
  std::string fraction = point == std::string::npos ? "" : text.substr(point + 1);
  if (!isDigits(whole) || (!fraction.empty() && !isDigits(fraction)) || fraction.size() > 2 ||
      whole.size() > 12) {
    problem = "« " + trim(raw) + " » n'est pas un nombre (séparateur décimal attendu : « " +
              std::string(1, profile.decimal_separator) + " »)";
    return std::nullopt;
  }
  while (fraction.size() < 2) {
    fraction += '0';
  }
  std::int64_t value = std::stoll(whole) * 100 + std::stoll(fraction);
  return negative ? -value : value;
}

std::optional<int> parseInteger(const std::string& raw, std::string& problem) {
  std::string text = trim(raw);
  if (text.empty()) {
    return std::nullopt;
  }
  bool negative = text[0] == '-';
  std::string digits = negative ? text.substr(1) : text;
  if (!isDigits(digits) || digits.size() > 9) {
    problem = "« " + text + " » n'est pas un nombre entier";
    return std::nullopt;
  }
  int value = std::stoi(digits);
  return negative ? -value : value;
}

std::optional<lease::Date> parseDate(const std::string& raw, const Profile& profile,
                                     std::string& problem) {
  std::string text = trim(raw);
  if (text.empty()) {
    return std::nullopt;
  }
  for (DateFormat format : profile.date_formats) {
    if (auto date = matchDate(text, format)) {
      return date;
    }
  }
  if (isDigits(text) && text.size() == 5 && text >= "20000" && text <= "80000") {
    problem = "« " + text +
              " » ressemble à une date convertie en nombre par un tableur ; "
              "réexportez le fichier depuis le logiciel de gestion sans l'ouvrir dans un tableur";
    return std::nullopt;
  }
  problem = "« " + text + " » n'est pas une date valide dans les formats du profil";
  return std::nullopt;
}

}  // namespace alur::ingest
