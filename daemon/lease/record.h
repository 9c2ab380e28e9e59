// The canonical lease record: the export's data on one dwelling and its lease, in types
// that hold only values the official file can express. Personal data has no field here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lease/construction_period.h"

namespace alur::lease {

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;

  auto operator<=>(const Date&) const = default;
  // Days since 1970-01-01 (proleptic Gregorian calendar), for differences between dates.
  std::int64_t daysSinceEpoch() const;
  bool isValid() const;
  std::string iso() const;  // "2026-12-04"
};

// Amounts in euro cents, so that sums and comparisons are exact.
using Cents = std::int64_t;

// Values of the official code lists; the numeric value is the code written in the file.
enum class HousingType { kIndividual = 1, kCollective = 2 };
enum class LeaseType { kUnfurnished = 1, kFurnished = 2 };
enum class Heating { kIndividual = 1, kCollective = 2 };
enum class Ownership { kSingle = 1, kCo = 2 };
enum class YesNo { kYes = 1, kNo = 2 };
enum class OwnerType { kPrivate = 1, kCompany = 2 };  // particulier, personne morale
enum class LeaseCategory {
  kFree = 1,
  kSubsidised = 2,
  kTaxScheme = 3
};  // libre, conventionnée,
    // défiscalisée

// Optional positions of the official file that exports carry less often. Each is written only
// when the export gives it. Positions 6b–6e (observatory zone, IRIS, cadastre) and 21 (remarks
// for the national centre) are not the agency's data and stay empty.
struct Details {
  std::optional<YesNo> caretaker;                   // 35b gardien
  std::optional<YesNo> intercom;                    // 35c interphone
  std::optional<YesNo> door_code;                   // 35d digicode
  std::optional<YesNo> videophone;                  // 35e vidéophone
  std::optional<YesNo> parking;                     // 44 parking inclus
  std::optional<YesNo> balcony;                     // 44b balcon
  std::optional<YesNo> garden;                      // 44c jardin
  std::optional<int> toilets;                       // 45 nombre de WC
  std::optional<int> bathrooms;                     // 45b nombre de salles de bain
  std::optional<OwnerType> owner_type;              // 47
  std::optional<LeaseCategory> lease_category;      // 53
  std::optional<YesNo> first_letting;               // 55 première location
  std::optional<Cents> rent_year_before;            // 56 loyer un an plus tôt
  std::optional<Cents> reference_rent_year_before;  // 57 loyer à la date de référence, N-1
  std::optional<Cents> reference_rent;              // 57b loyer à la date de référence
  std::optional<Cents> charges_year_before;         // 58 provisions un an plus tôt
  std::string comment;                              // 59 commentaire
};

struct Address {
  std::string street_number;  // digits only
  std::string repetition;     // "B", "T", "Q" or empty
  std::string street_type;    // official abbreviation: RUE, AV, BD...
  std::string street_name;
  std::string complement;
  std::string postal_code;
  std::string city;
  std::string insee_code;  // filled from the postal reference table
};

struct LeaseRecord {
  std::string dwelling_id;
  std::string management_id;  // the dwelling's number in the agency's software
  Address address;
  std::optional<HousingType> housing_type;
  std::optional<int> construction_year;
  // The period the export states instead of a completion year. It is kept as stated, because
  // four of the standard-lease bands straddle two official periods and the validator warns about
  // those. The completion year wins when both are present.
  std::optional<ConstructionBand> construction_band;
  std::optional<int> construction_period;  // official code 1..7, derived by the validator
  std::optional<Ownership> ownership;
  std::optional<YesNo> elevator;
  std::optional<int> rooms;
  std::optional<int> surface_centi_m2;  // living area in hundredths of a square metre
  std::optional<int> floor;
  std::optional<Heating> heating;
  std::optional<char> dpe_class;  // 'A'..'G'
  std::optional<LeaseType> lease_type;
  std::optional<Date> move_in_date;
  std::optional<Date> lease_date;
  std::optional<Cents> rent;             // monthly rent without charges, without the supplement
  std::optional<Cents> rent_supplement;  // "complément de loyer" in rent-controlled areas
  std::optional<Cents> charges;          // monthly provision for charges
  Details details;

  // Rent sent to the observatory: base rent plus supplement.
  std::optional<Cents> totalRent() const;
};

// Calls visit(name, field) for every field of `details`, in a fixed order, so that the
// canonical text, the JSON form and the tests list the same fields.
template <typename DetailsType, typename Visitor>
void visitDetails(DetailsType& details, Visitor&& visit) {
  visit("caretaker", details.caretaker);
  visit("intercom", details.intercom);
  visit("door_code", details.door_code);
  visit("videophone", details.videophone);
  visit("parking", details.parking);
  visit("balcony", details.balcony);
  visit("garden", details.garden);
  visit("toilets", details.toilets);
  visit("bathrooms", details.bathrooms);
  visit("owner_type", details.owner_type);
  visit("lease_category", details.lease_category);
  visit("first_letting", details.first_letting);
  visit("rent_year_before", details.rent_year_before);
  visit("reference_rent_year_before", details.reference_rent_year_before);
  visit("reference_rent", details.reference_rent);
  visit("charges_year_before", details.charges_year_before);
  visit("comment", details.comment);
}

// Returns the canonical serialisation of the record: one "key=value" line per field in a fixed
// order. Its SHA-256 is the lease fingerprint, so any change to a sent field requeues the lease.
// Fields added later than the others (construction_band, details) are written only when set, so
// that a lease stored before them keeps its fingerprint and is not sent again.
std::string canonicalText(const LeaseRecord& record);

// Returns the SHA-256 hex digest of canonicalText(record).
std::string fingerprint(const LeaseRecord& record);

}  // namespace alur::lease
