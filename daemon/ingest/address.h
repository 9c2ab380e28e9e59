// Splits a French free-text address line into the official address parts.
#pragma once

#include <string>

namespace alur::ingest {

struct AddressParts {
  std::string street_number;  // digits, empty when the line has none
  std::string repetition;     // B, T or Q
  std::string street_type;    // official abbreviation, empty when not recognised
  std::string street_name;
};

// Reads "40 ter impasse des Frênes" as {40, T, IMP, "des Frênes"}. A line without a leading
// number ("Résidence Les Pins") has an empty street number and keeps the whole text as the
// street name, so that the validator can report the address as incomplete.
AddressParts parseAddressLine(const std::string& line);

// Reads "rue des Lilas" as {RUE, "des Lilas"}; used when the number has its own column.
AddressParts parseStreet(const std::string& street);

// Returns the official abbreviation of a street type word ("avenue", "Av." → "AV"), or an
// empty string.
std::string streetTypeCode(const std::string& word);

// Returns B, T or Q for "bis", "ter", "quater" (or the letters themselves), else empty.
std::string repetitionCode(const std::string& word);

}  // namespace alur::ingest
