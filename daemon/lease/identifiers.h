// Shape and check-digit tests for the French identifiers the service handles: company numbers
// (SIREN, SIRET), the estate agent's professional card, INSEE commune codes and postal codes.
#pragma once

#include <optional>
#include <string_view>

namespace alur::lease {

// True for 9 digits that pass the Luhn check.
bool isValidSiren(std::string_view siren);

// True for 14 digits that pass the Luhn check. La Poste's establishments share SIREN 356000000
// and follow another rule instead: the sum of their 14 digits is divisible by 5. Their head
// office, 356 000 000 00048, is the exception and passes the Luhn check.
bool isValidSiret(std::string_view siret);

// Returns the year of issue of a card number in the format the chambers of commerce (CCI) use
// since July 2015: "CPI", the CCI's 4-digit code, the 4-digit year of issue and a 9-digit
// serial, with or without spaces ("CPI 7501 2016 000 012 345"). Returns nothing for any other
// text.
std::optional<int> professionalCardYear(std::string_view card);

// True for a card number in the CCI format whose year of issue lies between 2015 and the
// current year (UTC).
bool isValidProfessionalCard(std::string_view card);

// True for an INSEE commune code: 5 digits, or 2A/2B (Corsica) followed by 3 digits. The codes
// of the overseas departments (971xx to 976xx) are 5 digits.
bool isValidInseeCode(std::string_view code);

// True for 5 digits. Whether La Poste uses the code is a question for the postal table.
bool isValidPostalCodeShape(std::string_view postal_code);

}  // namespace alur::lease
