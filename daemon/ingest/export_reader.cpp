#include "ingest/export_reader.h"

#include <fstream>
#include <map>

#include "common/text.h"
#include "ingest/address.h"
#include "ingest/values.h"

namespace alur::ingest {
namespace {

using lease::Issue;
using lease::Severity;

// Column positions of the profile's fields in this file's header.
using ColumnIndex = std::map<Field, std::size_t>;

std::string folded(const std::string& text) { return foldFrench(trim(text)); }

Result<ColumnIndex> indexColumns(const std::vector<std::string>& header, const Profile& profile,
                                 const std::filesystem::path& file) {
  std::map<std::string, std::size_t> positions;
  for (std::size_t i = 0; i < header.size(); ++i) {
    positions.emplace(folded(header[i]), i);
  }
  ColumnIndex index;
  for (const auto& source : profile.columns) {
    auto found = positions.find(folded(source.column));
    if (found == positions.end()) {
      std::string hint = header.size() == 1
                             ? " The header has a single column: the separator of the file is "
                               "probably not the profile's; check [format] separator."
                             : "";
      return Status::Error(file.string() + " line 1: column \"" + source.column + "\" (field " +
                           fieldName(source.field) + ", " + profile.path.string() + " line " +
                           std::to_string(source.profile_line) +
                           ") is not in the header. Correct the column name in the profile or "
                           "export that column." +
                           hint);
    }
    index[source.field] = found->second;
  }
  return index;
}

class RowBuilder {
 public:
  RowBuilder(const Profile& profile, const ColumnIndex& index,
             const std::vector<std::string>& fields, ExportRow& row)
      : profile_(profile), index_(index), fields_(fields), row_(row) {}

  void build();

 private:
  std::string text(Field field) const {
    auto found = index_.find(field);
    if (found == index_.end() || found->second >= fields_.size()) {
      return "";
    }
    return trim(fields_[found->second]);
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

  const Profile& profile_;
  const ColumnIndex& index_;
  const std::vector<std::string>& fields_;
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
    parts = profile_.sourceOf(Field::kStreet) != nullptr ? parseStreet(text(Field::kStreet))
                                                         : AddressParts{};
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
  address.city = text(Field::kCity);

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

void RowBuilder::build() {
  readIdentity();
  readAddress();
  readDwelling();
  readLease();
}

}  // namespace

Status readExport(const std::filesystem::path& file, const Profile& profile,
                  const std::function<Status(ExportRow&&)>& on_row) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open " + file.string() +
                         ": check that it exists and that the "
                         "service account may read it");
  }
  CsvReader reader(in, profile.csv);
  std::vector<std::string> fields;
  auto has_header = reader.next(fields);
  if (!has_header) {
    return Status::Error(file.string() + ": " + has_header.message());
  }
  if (!*has_header) {
    return Status::Error(file.string() +
                         ": the file is empty; the software's export is "
                         "probably incomplete, export it again");
  }
  auto index = indexColumns(fields, profile, file);
  if (!index) {
    return index.status();
  }
  std::size_t header_size = fields.size();
  std::uint64_t rows = 0;
  while (true) {
    auto has_row = reader.next(fields);
    if (!has_row) {
      return Status::Error(file.string() + ": " + has_row.message());
    }
    if (!*has_row) {
      break;
    }
    ++rows;
    ExportRow row;
    row.line = reader.recordLine();
    RowBuilder(profile, *index, fields, row).build();
    if (fields.size() < header_size) {
      row.issues.push_back(
          {"line_incomplete", Severity::kError, "line", std::to_string(fields.size()),
           "Logement " + row.record.dwelling_id + " : la ligne " + std::to_string(row.line) +
               " n'a que " + std::to_string(fields.size()) + " colonnes sur " +
               std::to_string(header_size) + " ; vérifiez l'export."});
    }
    if (Status handled = on_row(std::move(row)); !handled) {
      return handled;
    }
  }
  if (rows == 0) {
    return Status::Error(file.string() +
                         ": the file has a header line but no lease; the "
                         "software's export is probably incomplete, export it again");
  }
  return Status::Ok();
}

}  // namespace alur::ingest
