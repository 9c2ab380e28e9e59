#include "lease/validate.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>

#include "common/text.h"
#include "lease/identifiers.h"

namespace alur::lease {
namespace {

constexpr int kMinSurfaceM2 = 9;
constexpr int kMaxSurfaceM2 = 999;
constexpr int kMinRooms = 1;
constexpr int kMaxRooms = 20;
constexpr int kMaxLeaseDaysAfterMoveIn = 90;
constexpr std::size_t kMaxDwellingIdLength = 50;  // position 1 of the official file
constexpr int kMinFloor = -9;                     // position 43 has two characters
constexpr int kMaxFloor = 99;
// Plausible ranges that only raise a warning.
constexpr int kMinRentPerM2 = 3;  // euros per square metre
constexpr int kMaxRentPerM2 = 60;
constexpr int kMinSurfacePerRoomM2 = 7;
constexpr int kMaxSurfacePerRoomM2 = 60;

// Writes an amount the French way: "-1234,50".
std::string euros(Cents cents) {
  long long magnitude = cents < 0 ? -static_cast<long long>(cents) : cents;
  char text[32];
  std::snprintf(text, sizeof text, "%s%lld,%02lld", cents < 0 ? "-" : "", magnitude / 100,
                magnitude % 100);
  return text;
}

// Writes a number with one or two decimals and a decimal comma.
std::string decimalComma(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string out = text;
  std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

std::string squareMetres(int centi_m2) {
  char text[32];
  std::snprintf(text, sizeof text, "%d,%02d", centi_m2 / 100, centi_m2 % 100);
  return text;
}

std::string frenchDate(const Date& date) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d/%02d/%04d", date.day, date.month, date.year);
  return text;
}

class Checker {
 public:
  Checker(LeaseRecord& record, std::vector<Issue>& issues) : record_(record), issues_(issues) {}

  void error(const std::string& code, const std::string& field, const std::string& value,
             const std::string& what) {
    add(Severity::kError, code, field, value, what);
  }
  void warning(const std::string& code, const std::string& field, const std::string& value,
               const std::string& what) {
    add(Severity::kWarning, code, field, value, what);
  }
  bool hasIssueFor(const std::string& field) const {
    for (const auto& issue : issues_) {
      if (issue.field == field) {
        return true;
      }
    }
    return false;
  }

 private:
  void add(Severity severity, const std::string& code, const std::string& field,
           const std::string& value, const std::string& what) {
    issues_.push_back(
        {code, severity, field, value, "Logement " + record_.dwelling_id + " : " + what});
  }

  LeaseRecord& record_;
  std::vector<Issue>& issues_;
};

constexpr const char* kFixInSoftware =
    " Complétez cette information dans votre logiciel de gestion.";
constexpr const char* kCorrectInSoftware = " Corrigez cette valeur dans votre logiciel de gestion.";

// An INSEE code of the wrong shape can only come from a damaged postal table, which the agency's
// management software cannot correct.
void checkInseeCode(LeaseRecord& r, const PostalTable& table, Checker& check) {
  const std::string insee = r.address.insee_code;
  if (isValidInseeCode(insee)) {
    return;
  }
  r.address.insee_code.clear();
  check.error("insee_code_invalid", "insee_code", insee,
              "code INSEE « " + insee + " » invalide pour le code postal " + r.address.postal_code +
                  " dans la table de référence des codes postaux " + table.edition() +
                  ", qui est sans doute abîmée. Remplacez-la par la base officielle des codes "
                  "postaux de La Poste (réglage [reference] postal_table de la configuration).");
}

void checkAddress(LeaseRecord& r, Checker& check) {
  const Address& a = r.address;
  std::string full;
  for (const std::string* part : {&a.street_number, &a.street_type, &a.street_name}) {
    if (!part->empty()) {
      full += (full.empty() ? "" : " ") + *part;
    }
  }
  if (a.street_number.empty() || a.street_name.empty()) {
    if (!check.hasIssueFor("address")) {
      check.error("address_incomplete", "address", full,
                  std::string("adresse incomplète « ") + full +
                      " » : numéro de voie ou nom de "
                      "voie absent." +
                      " Complétez l'adresse dans votre logiciel de gestion.");
    }
  } else if (a.street_type.empty() && !check.hasIssueFor("address")) {
    check.error("street_type_missing", "address", full,
                "type de voie (rue, avenue, boulevard...) non reconnu dans l'adresse « " + full +
                    " ». Complétez l'adresse dans votre logiciel de gestion.");
  }
  if (a.city.empty()) {
    check.error("city_missing", "city", "", std::string("commune absente.") + kFixInSoftware);
  }
}

// Checks the postal code's shape, then finds the commune's INSEE code in the postal table.
void checkPostalCode(LeaseRecord& r, const PostalTable& table, Checker& check) {
  const Address& a = r.address;
  if (a.postal_code.empty()) {
    if (!check.hasIssueFor("postal_code")) {
      check.error("postal_code_missing", "postal_code", "",
                  std::string("code postal absent.") + kFixInSoftware);
    }
    return;
  }
  if (!isValidPostalCodeShape(a.postal_code)) {
    if (!check.hasIssueFor("postal_code")) {
      check.error("postal_code_invalid", "postal_code", a.postal_code,
                  "code postal « " + a.postal_code + " » invalide : il doit compter 5 chiffres." +
                      kCorrectInSoftware);
    }
    return;
  }
  if (a.city.empty()) {
    return;
  }
  r.address.insee_code = table.findInsee(a.postal_code, a.city);
  if (!r.address.insee_code.empty()) {
    checkInseeCode(r, table, check);
    return;
  }
  std::string known;
  for (const auto& name : table.communesOf(a.postal_code)) {
    known += (known.empty() ? "" : ", ") + name;
  }
  std::string detail = known.empty()
                           ? "ce code postal n'existe pas dans la base officielle de La Poste"
                           : "ce code postal dessert : " + known;
  check.error("postal_code_city_mismatch", "postal_code", a.postal_code + " " + a.city,
              "le code postal " + a.postal_code + " ne correspond pas à la commune « " + a.city +
                  " » (" + detail + ")." + " Corrigez l'adresse dans votre logiciel de gestion.");
}

// The completion year gives the exact period. Without it, a band of the standard lease form
// gives the nearest period, with a warning when the band straddles two periods.
void checkConstructionPeriod(LeaseRecord& r, Checker& check) {
  if (r.construction_year) {
    r.construction_period = constructionPeriodOfYear(*r.construction_year);
    return;
  }
  if (r.construction_band) {
    BandPeriod band = constructionPeriodOfBand(*r.construction_band);
    r.construction_period = band.period;
    if (band.years_elsewhere != nullptr) {
      check.warning("construction_period_ambiguous", "construction_band",
                    constructionBandCode(*r.construction_band),
                    std::string("époque de construction « ") + band.band_label +
                        " » à cheval sur deux périodes officielles, car " + band.years_elsewhere +
                        ". La période " + band.period_label +
                        " est transmise. Complétez l'année d'achèvement dans votre logiciel de "
                        "gestion.");
    }
    return;
  }
  if (!check.hasIssueFor("construction_year") && !check.hasIssueFor("construction_band")) {
    check.error("construction_period_missing", "construction_year", "",
                std::string("année ou époque de construction absente.") + kFixInSoftware);
  }
}

void checkDwelling(LeaseRecord& r, Checker& check) {
  if (!r.housing_type && !check.hasIssueFor("housing_type")) {
    check.error("housing_type_missing", "housing_type", "",
                std::string("type de bien (maison ou appartement) absent.") + kFixInSoftware);
  }
  if (!r.surface_centi_m2) {
    if (!check.hasIssueFor("surface")) {
      check.error("surface_missing", "surface", "",
                  std::string("surface habitable absente.") + kFixInSoftware);
    }
  } else if (*r.surface_centi_m2 < kMinSurfaceM2 * 100 ||
             *r.surface_centi_m2 > kMaxSurfaceM2 * 100) {
    check.error("surface_implausible", "surface", squareMetres(*r.surface_centi_m2),
                "surface habitable de " + squareMetres(*r.surface_centi_m2) +
                    " m² hors des limites admises (9 à 999 m²)." + kCorrectInSoftware);
  }
  if (!r.rooms) {
    if (!check.hasIssueFor("rooms")) {
      check.error("rooms_missing", "rooms", "",
                  std::string("nombre de pièces principales absent.") + kFixInSoftware);
    }
  } else if (*r.rooms < kMinRooms || *r.rooms > kMaxRooms) {
    check.error("rooms_implausible", "rooms", std::to_string(*r.rooms),
                "nombre de pièces principales de " + std::to_string(*r.rooms) +
                    " hors des limites admises (1 à 20)." + kCorrectInSoftware);
  }
  checkConstructionPeriod(r, check);
  if (r.surface_centi_m2 && r.rooms && *r.rooms > 0 && !check.hasIssueFor("surface")) {
    // 64 bits, because the reader accepts up to 9 digits of rooms.
    std::int64_t surface = *r.surface_centi_m2;
    std::int64_t rooms = *r.rooms;
    if (surface < kMinSurfacePerRoomM2 * 100 * rooms ||
        surface > kMaxSurfacePerRoomM2 * 100 * rooms) {
      double per_room = static_cast<double>(surface) / 100.0 / static_cast<double>(rooms);
      check.warning("surface_per_room_implausible", "surface", squareMetres(*r.surface_centi_m2),
                    "surface par pièce inhabituelle (" + decimalComma(per_room, 1) +
                        " m² par pièce, attendu entre 7 et 60). Vérifiez la surface et le "
                        "nombre de pièces.");
    }
  }
}

void checkRent(LeaseRecord& r, Checker& check) {
  if (!r.lease_type && !check.hasIssueFor("lease_type")) {
    check.error("lease_type_missing", "lease_type", "",
                std::string("type de location (vide ou meublé) absent.") + kFixInSoftware);
  }
  auto total = r.totalRent();
  if (!total) {
    if (!check.hasIssueFor("rent")) {
      check.error("rent_missing", "rent", "",
                  std::string("loyer mensuel hors charges absent.") + kFixInSoftware);
    }
    return;
  }
  if (*total <= 0) {
    check.error("rent_invalid", "rent", euros(*total),
                "loyer mensuel hors charges de " + euros(*total) + " € : il doit être positif." +
                    kCorrectInSoftware);
    return;
  }
  if (r.surface_centi_m2 && *r.surface_centi_m2 >= kMinSurfaceM2 * 100) {
    // Cents per hundredth of a square metre are euros per square metre.
    Cents surface = *r.surface_centi_m2;
    if (*total < kMinRentPerM2 * surface || *total > kMaxRentPerM2 * surface) {
      double per_m2 = static_cast<double>(*total) / surface;
      check.warning("rent_per_m2_implausible", "rent", euros(*total),
                    "loyer de " + decimalComma(per_m2, 2) +
                        " €/m², hors de la fourchette habituelle (3 à 60 €/m²). Vérifiez le "
                        "loyer et la surface.");
    }
  }
  for (const auto& [amount, field, label] :
       {std::tuple{r.charges, "charges", "provision pour charges"},
        std::tuple{r.rent_supplement, "rent_supplement", "complément de loyer"}}) {
    if (amount && *amount < 0) {
      check.error(std::string(field) + "_negative", field, euros(*amount),
                  std::string(label) + " de " + euros(*amount) +
                      " € : le montant ne peut pas être négatif." + kCorrectInSoftware);
    }
  }
  if (r.charges && *r.charges * 2 > *total) {
    check.warning("charges_high", "charges", euros(*r.charges),
                  "provision pour charges de " + euros(*r.charges) +
                      " €, supérieure à la moitié du loyer. Vérifiez le montant.");
  }
}

void checkDates(LeaseRecord& r, const Date& today, Checker& check) {
  if (r.construction_year && *r.construction_year > today.year) {
    check.error("construction_year_future", "construction_year",
                std::to_string(*r.construction_year),
                "année de construction " + std::to_string(*r.construction_year) +
                    " dans le futur." + kCorrectInSoftware);
    r.construction_period.reset();
  }
  if (!r.move_in_date) {
    if (!check.hasIssueFor("move_in_date")) {
      check.error("move_in_date_missing", "move_in_date", "",
                  std::string("date d'entrée du locataire absente.") + kFixInSoftware);
    }
  } else if (!r.move_in_date->isValid()) {
    check.error("move_in_date_invalid", "move_in_date", frenchDate(*r.move_in_date),
                "date d'entrée du locataire " + frenchDate(*r.move_in_date) + " invalide." +
                    kCorrectInSoftware);
  } else if (*r.move_in_date > today) {
    check.error("move_in_date_future", "move_in_date", frenchDate(*r.move_in_date),
                "date d'entrée du locataire " + frenchDate(*r.move_in_date) + " dans le futur." +
                    kCorrectInSoftware);
  }
  if (!r.lease_date) {
    if (!check.hasIssueFor("lease_date")) {
      check.error("lease_date_missing", "lease_date", "",
                  std::string("date du bail absente.") + kFixInSoftware);
    }
  } else if (!r.lease_date->isValid()) {
    check.error("lease_date_invalid", "lease_date", frenchDate(*r.lease_date),
                "date du bail " + frenchDate(*r.lease_date) + " invalide." + kCorrectInSoftware);
  } else if (r.move_in_date && r.lease_date->daysSinceEpoch() - r.move_in_date->daysSinceEpoch() >
                                   kMaxLeaseDaysAfterMoveIn) {
    check.error("lease_date_after_move_in", "lease_date", frenchDate(*r.lease_date),
                "date du bail " + frenchDate(*r.lease_date) +
                    " plus de 90 jours après l'entrée "
                    "du locataire (" +
                    frenchDate(*r.move_in_date) + ")." + kCorrectInSoftware);
  }
}

}  // namespace

void validate(LeaseRecord& record, const PostalTable& postal_table, const Date& today,
              std::vector<Issue>& issues) {
  Checker check(record, issues);
  if (record.dwelling_id.empty()) {
    check.error("dwelling_id_missing", "dwelling_id", "",
                "identifiant du logement absent." + std::string(kFixInSoftware));
  } else if (utf8Length(record.dwelling_id) > kMaxDwellingIdLength ||
             std::any_of(record.dwelling_id.begin(), record.dwelling_id.end(),
                         [](char c) { return c == ';' || static_cast<unsigned char>(c) < 0x20; })) {
    // The identifier is the key of the platform's report: cutting or changing it would make two
    // dwellings collide, so it is sent exactly as it is or not at all.
    check.error("dwelling_id_invalid", "dwelling_id", record.dwelling_id,
                "identifiant trop long (plus de 50 caractères) ou contenant « ; » ou un saut de "
                "ligne." +
                    std::string(kCorrectInSoftware));
  }
  if (record.floor && (*record.floor < kMinFloor || *record.floor > kMaxFloor)) {
    check.warning("floor_implausible", "floor", std::to_string(*record.floor),
                  "étage " + std::to_string(*record.floor) +
                      " hors des limites du fichier officiel (-9 à 99) ; il n'est pas transmis.");
    record.floor.reset();
  }
  checkAddress(record, check);
  checkPostalCode(record, postal_table, check);
  checkDwelling(record, check);
  checkRent(record, check);
  checkDates(record, today, check);
}

Classification validateAndClassify(LeaseRecord& record, const PostalTable& postal_table,
                                   const Date& today, std::vector<Issue>& issues) {
  if (classify(issues) != Classification::kOutOfScope) {
    validate(record, postal_table, today, issues);
  }
  return classify(issues);
}

}  // namespace alur::lease
