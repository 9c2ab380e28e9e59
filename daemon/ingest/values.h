// Conversions of export text into typed values, following the profile's conventions. Each
// returns std::nullopt and fills `problem` with a French explanation when the text cannot be
// read; empty text is "absent", not a problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ingest/profile.h"
#include "lease/record.h"

namespace alur::ingest {

// Reads a decimal amount ("1 227,94 €") as hundredths (122794).
std::optional<std::int64_t> parseHundredths(const std::string& text, const Profile& profile,
                                            std::string& problem);

std::optional<int> parseInteger(const std::string& text, std::string& problem);

// Reads a date in the first matching format of the profile. A bare number of 5 digits between
// 20000 and 80000 is reported as a spreadsheet serial date, never converted.
std::optional<lease::Date> parseDate(const std::string& text, const Profile& profile,
                                     std::string& problem);

}  // namespace alur::ingest
