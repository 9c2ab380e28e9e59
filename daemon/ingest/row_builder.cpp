#include "ingest/row_builder.h"

#include <algorithm>

#include "common/text.h"
#include "ingest/address.h"
#include "ingest/values.h"
#include "lease/postal_table.h"

namespace alur::ingest {
namespace {

using lease::Issue;
using lease::Severity;

// The codes of [values.construction_band], as the profile checks them.
const std::map<std::string, lease::ConstructionBand>& bandCodes() {
  static const std::map<std::string, lease::ConstructionBand> codes = [] {
    std::map<std::string, lease::ConstructionBand> by_code;
    for (lease::ConstructionBand band : lease::kConstructionBands) {
      by_code[lease::constructionBandCode(band)] = band;
    }
    return by_code;
  }();
  return codes;
}

class RowBuilder {
 public:
  RowBuilder(const Profile& profile, const FieldValues& values, ExportRow& row)
      : profile_(profile), values_(values), row_(row) {}

  void build();

 private:
  std::string text(Field field) const {
    auto found = values_.find(field);
    return found == values_.end() ? "" : trim(found->second);
  }

  void problem(Field field, const std::string& code, const std::string& value,
               const std::string& what, Severity severity = Severity::kError) {
    std::string column;
    if (const ColumnSource* source = profile_.sourceOf(field)) {
      column = source->column;
    }
    row_.issues.push_back(
        {code, severity, canonicalField(field), value,
         "Logement " + row_.record.dwelling_id + " : colonne « " + column + " » : " + what + "."});
  }

  static std::string canonicalField(Field field) {
    switch (field) {
      case Field::kAddressLine:
      case Field::kStreet:
      case Field::kStreetName:
      case Field::kStreetNumber:
        return "address";
      case Field::kHousingKind:
        return "housing_type";
      case Field::kLeaseKind:
        return "lease_type";
      default:
        return fieldName(field);
    }
  }

  template <typename T>
  std::optional<T> mapped(Field field, const char* map_name, const std::map<std::string, T>& codes);

  void readIdentity();
  void readAddress();
  void readDwelling();
  void readLease();
  void readDetails();

  const Profile& profile_;
  const FieldValues& values_;
  ExportRow& row_;
};

template <typename T>
std::optional<T> RowBuilder::mapped(Field field, const char* map_name,
                                    const std::map<std::string, T>& codes) {
  std::string value = text(field);
  if (value.empty()) {
    return std::nullopt;
  }
  auto map = profile_.value_maps.find(map_name);
  if (map == profile_.value_maps.end()) {
    problem(field, "value_unmapped", value,
            "le profil n'a pas de section [values." + std::string(map_name) + "] pour lire « " +
                value + " »");
    return std::nullopt;
  }
  auto code = map->second.codes.find(foldFrench(value));
  if (code == map->second.codes.end()) {
    problem(field, "value_unmapped", value,
            "valeur « " + value + " » inconnue du profil " + profile_.name +
                " ; ajoutez-la à la section [values." + map_name + "] de " +
                profile_.path.string());
    return std::nullopt;
  }
  if (code->second == "out_of_scope") {
    row_.issues.push_back({"out_of_scope_lease", Severity::kOutOfScope, canonicalField(field),
                           value,
                           "Logement " + row_.record.dwelling_id + " : bail « " + value +
                               " » hors du champ de l'observation des loyers (parking, local "
                               "commercial ou professionnel, location saisonnière) ; il n'est "
                               "pas transmis."});
    return std::nullopt;
  }
  auto found = codes.find(code->second);
  return found == codes.end() ? std::nullopt : std::optional<T>(found->second);
}

void RowBuilder::readIdentity() {
  std::string id = text(Field::kDwellingId);
  row_.record.dwelling_id = id;
  if (id.find("E+") != std::string::npos || id.find("e+") != std::string::npos) {
    problem(Field::kDwellingId, "dwelling_id_scientific_notation", id,
            "identifiant « " + id +
                " » en notation scientifique, abîmé par un tableur ; "
                "réexportez le fichier depuis le logiciel de gestion");
  }
  row_.record.management_id = text(Field::kManagementId);
  if (row_.record.management_id.empty()) {
    row_.record.management_id = id;
  }
}

void RowBuilder::readAddress() {
  lease::Address& address = row_.record.address;
  AddressParts parts;
  if (profile_.sourceOf(Field::kAddressLine) != nullptr) {
    parts = parseAddressLine(text(Field::kAddressLine));
  } else {
    // Without a number the street is kept whole, as parseAddressLine does, so that an
    // incomplete address ("Domaine du Parc") reads the same in every export format.
    if (profile_.sourceOf(Field::kStreet) != nullptr) {
      std::string street = text(Field::kStreet);
      if (text(Field::kStreetNumber).empty()) {
        parts.street_name = street;
      } else {
        parts = parseStreet(street);
      }
    }
    if (profile_.sourceOf(Field::kStreetName) != nullptr) {
      parts.street_name = text(Field::kStreetName);
      parts.street_type = streetTypeCode(text(Field::kStreetType));
    }
    parts.street_number = text(Field::kStreetNumber);
    parts.repetition = repetitionCode(text(Field::kRepetition));
  }
  address.street_number = parts.street_number;
  address.repetition = parts.repetition;
  address.street_type = parts.street_type;
  address.street_name = parts.street_name;
  address.complement = text(Field::kAddressComplement);
  // Communes are written as La Poste writes them (upper case, no accents, SAINT as ST), so the
  // same commune spelled "Saint-Quentin" or "ST QUENTIN" gives the same record and fingerprint.
  address.city = lease::foldCommuneName(text(Field::kCity));

  std::string postal_code = text(Field::kPostalCode);
  address.postal_code = postal_code;
  if (postal_code.size() == 4 && isDigits(postal_code)) {
    problem(Field::kPostalCode, "postal_code_leading_zero_lost", postal_code,
            "code postal « " + postal_code +
                " » à 4 chiffres : le zéro initial a sans doute été "
                "perdu par un tableur (0" +
                postal_code +
                " ?) ; corrigez l'export ou le logiciel de "
                "gestion");
  }
}

void RowBuilder::readDwelling() {
  lease::LeaseRecord& r = row_.record;
  r.housing_type = mapped<lease::HousingType>(Field::kHousingKind, "housing_kind",
                                              {{"individual", lease::HousingType::kIndividual},
                                               {"collective", lease::HousingType::kCollective}});
  std::string why;
  if (auto surface = parseHundredths(text(Field::kSurface), profile_, why)) {
    r.surface_centi_m2 = static_cast<int>(std::min<std::int64_t>(*surface, 100000000));
  } else if (!why.empty()) {
    problem(Field::kSurface, "surface_invalid", text(Field::kSurface), why);
  }
  why.clear();
  r.rooms = parseInteger(text(Field::kRooms), why);
  if (!why.empty()) {
    problem(Field::kRooms, "rooms_invalid", text(Field::kRooms), why);
  }
  why.clear();
  r.floor = parseInteger(text(Field::kFloor), why);
  if (!why.empty()) {
    problem(Field::kFloor, "floor_invalid", text(Field::kFloor), why, Severity::kWarning);
  }
  why.clear();
  r.construction_year = parseInteger(text(Field::kConstructionYear), why);
  if (!why.empty() ||
      (r.construction_year && (*r.construction_year < 1000 || *r.construction_year > 2200))) {
    problem(Field::kConstructionYear, "construction_year_invalid", text(Field::kConstructionYear),
            why.empty() ? "année de construction invalide" : why);
    r.construction_year.reset();
  }
  r.construction_band =
      mapped<lease::ConstructionBand>(Field::kConstructionBand, "construction_band", bandCodes());
  std::string dpe = toUpperAscii(text(Field::kDpeClass));
  if (dpe.size() == 1 && dpe[0] >= 'A' && dpe[0] <= 'G') {
    r.dpe_class = dpe[0];
  } else if (!dpe.empty()) {
    problem(Field::kDpeClass, "dpe_class_invalid", dpe,
            "classe énergie « " + dpe + " » invalide (attendu A à G) ; elle n'est pas transmise",
            Severity::kWarning);
  }
  r.heating = mapped<lease::Heating>(
      Field::kHeating, "heating",
      {{"individual", lease::Heating::kIndividual}, {"collective", lease::Heating::kCollective}});
  r.elevator = mapped<lease::YesNo>(Field::kElevator, "elevator",
                                    {{"yes", lease::YesNo::kYes}, {"no", lease::YesNo::kNo}});
  r.ownership = mapped<lease::Ownership>(
      Field::kOwnership, "ownership",
      {{"single", lease::Ownership::kSingle}, {"co", lease::Ownership::kCo}});
}

void RowBuilder::readLease() {
  lease::LeaseRecord& r = row_.record;
  r.lease_type = mapped<lease::LeaseType>(Field::kLeaseKind, "lease_kind",
                                          {{"unfurnished", lease::LeaseType::kUnfurnished},
                                           {"furnished", lease::LeaseType::kFurnished}});
  struct AmountField {
    Field field;
    std::optional<lease::Cents>* target;
    const char* code;
  };
  for (const AmountField& amount :
       {AmountField{Field::kRent, &r.rent, "rent_invalid"},
        AmountField{Field::kCharges, &r.charges, "charges_invalid"},
        AmountField{Field::kRentSupplement, &r.rent_supplement, "rent_supplement_invalid"}}) {
    std::string why;
    *amount.target = parseHundredths(text(amount.field), profile_, why);
    if (!why.empty()) {
      problem(amount.field, amount.code, text(amount.field), why);
    }
  }
  struct DateField {
    Field field;
    std::optional<lease::Date>* target;
    const char* code;
  };
  for (const DateField& date :
       {DateField{Field::kMoveInDate, &r.move_in_date, "move_in_date_invalid"},
        DateField{Field::kLeaseDate, &r.lease_date, "lease_date_invalid"}}) {
    std::string why;
    *date.target = parseDate(text(date.field), profile_, why);
    if (!why.empty()) {
      problem(date.field, date.code, text(date.field), why);
    }
  }
}

void RowBuilder::readDetails() {
  lease::Details& d = row_.record.details;
  const std::map<std::string, lease::YesNo> yes_no = {{"yes", lease::YesNo::kYes},
                                                      {"no", lease::YesNo::kNo}};
  struct YesNoField {
    Field field;
    std::optional<lease::YesNo>* target;
  };
  for (const YesNoField& item :
       {YesNoField{Field::kCaretaker, &d.caretaker}, YesNoField{Field::kIntercom, &d.intercom},
        YesNoField{Field::kDoorCode, &d.door_code}, YesNoField{Field::kVideophone, &d.videophone},
        YesNoField{Field::kParking, &d.parking}, YesNoField{Field::kBalcony, &d.balcony},
        YesNoField{Field::kGarden, &d.garden},
        YesNoField{Field::kFirstLetting, &d.first_letting}}) {
    *item.target = mapped<lease::YesNo>(item.field, "yes_no", yes_no);
  }
  d.owner_type = mapped<lease::OwnerType>(
      Field::kOwnerType, "owner_type",
      {{"individual", lease::OwnerType::kPrivate}, {"company", lease::OwnerType::kCompany}});
  d.lease_category =
      mapped<lease::LeaseCategory>(Field::kLeaseCategory, "lease_category",
                                   {{"free", lease::LeaseCategory::kFree},
                                    {"subsidised", lease::LeaseCategory::kSubsidised},
                                    {"tax_scheme", lease::LeaseCategory::kTaxScheme}});
  for (auto [field, target] :
       {std::pair{Field::kToilets, &d.toilets}, std::pair{Field::kBathrooms, &d.bathrooms}}) {
    std::string why;
    *target = parseInteger(text(field), why);
    if (!why.empty() || (*target && (**target < 0 || **target > 9))) {
      problem(field, std::string(fieldName(field)) + "_invalid", text(field),
              why.empty() ? "nombre hors des limites du fichier officiel (0 à 9) ; il n'est pas "
                            "transmis"
                          : why,
              Severity::kWarning);
      target->reset();
    }
  }
  for (auto [field, target] :
       {std::pair{Field::kRentYearBefore, &d.rent_year_before},
        std::pair{Field::kReferenceRentYearBefore, &d.reference_rent_year_before},
        std::pair{Field::kReferenceRent, &d.reference_rent},
        std::pair{Field::kChargesYearBefore, &d.charges_year_before}}) {
    std::string why;
    *target = parseHundredths(text(field), profile_, why);
    if (!why.empty() || (*target && **target < 0)) {
      problem(field, std::string(fieldName(field)) + "_invalid", text(field),
              why.empty() ? "montant négatif ; il n'est pas transmis" : why, Severity::kWarning);
      target->reset();
    }
  }
  d.comment = text(Field::kComment);
}

void RowBuilder::build() {
  readIdentity();
  readAddress();
  readDwelling();
  readLease();
  readDetails();
}

}  // namespace

void buildRow(const Profile& profile, const FieldValues& values, ExportRow& row) {
  RowBuilder(profile, values, row).build();
}

}  // namespace alur::ingest
