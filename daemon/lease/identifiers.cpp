#include "lease/identifiers.h"

#include <chrono>
#include <string>

#include "common/text.h"

namespace alur::lease {
namespace {

constexpr std::string_view kLaPosteSiren = "356000000";
// La Poste's head office keeps a Luhn key: its digit sum, 26, is not divisible by 5.
constexpr std::string_view kLaPosteHeadOfficeSiret = "35600000000048";
constexpr int kFirstProfessionalCardYear = 2015;

// Luhn check: from the right, every second digit is doubled (minus 9 above 9) and the sum of
// all digits must be divisible by 10. The caller checks that `digits` contains only digits.
bool passesLuhn(std::string_view digits) {
  int sum = 0;
  bool doubled = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int digit = *it - '0';
    if (doubled) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
    doubled = !doubled;
  }
  return sum % 10 == 0;
}

int digitSum(std::string_view digits) {
  int sum = 0;
  for (char c : digits) {
    sum += c - '0';
  }
  return sum;
}

int currentUtcYear() {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

}  // namespace

bool isValidSiren(std::string_view siren) {
  return siren.size() == 9 && isDigits(siren) && passesLuhn(siren);
}

bool isValidSiret(std::string_view siret) {
  if (siret.size() != 14 || !isDigits(siret)) {
    return false;
  }
  if (siret.substr(0, kLaPosteSiren.size()) == kLaPosteSiren && siret != kLaPosteHeadOfficeSiret) {
    return digitSum(siret) % 5 == 0;
  }
  return passesLuhn(siret);
}

std::optional<int> professionalCardYear(std::string_view card) {
  std::string compact;
  for (char c : card) {
    if (c != ' ') {
      compact += c;
    }
  }
  // "CPI", 4 digits of CCI code, 4 digits of year, 9 digits of serial.
  constexpr std::size_t kLength = 3 + 4 + 4 + 9;
  if (compact.size() != kLength || compact.compare(0, 3, "CPI") != 0 ||
      !isDigits(std::string_view(compact).substr(3))) {
    return std::nullopt;
  }
  return std::stoi(compact.substr(7, 4));
}

bool isValidProfessionalCard(std::string_view card) {
  auto year = professionalCardYear(card);
  return year && *year >= kFirstProfessionalCardYear && *year <= currentUtcYear();
}

bool isValidInseeCode(std::string_view code) {
  if (code.size() != 5 || !isDigits(code.substr(2))) {
    return false;
  }
  std::string_view department = code.substr(0, 2);
  return isDigits(department) || department == "2A" || department == "2B";
}

bool isValidPostalCodeShape(std::string_view postal_code) {
  return postal_code.size() == 5 && isDigits(postal_code);
}

}  // namespace alur::lease
