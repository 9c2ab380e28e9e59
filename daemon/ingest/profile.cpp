#include "ingest/profile.h"

#include <algorithm>
#include <vector>

#include "common/ini.h"
#include "common/text.h"
#include "ingest/encoding.h"
#include "lease/construction_period.h"

namespace alur::ingest {
namespace {

struct FieldInfo {
  Field field;
  const char* name;
};

constexpr FieldInfo kFields[] = {
    {Field::kDwellingId, "dwelling_id"},
    {Field::kManagementId, "management_id"},
    {Field::kAddressLine, "address_line"},
    {Field::kStreetNumber, "street_number"},
    {Field::kRepetition, "repetition"},
    {Field::kStreet, "street"},
    {Field::kStreetType, "street_type"},
    {Field::kStreetName, "street_name"},
    {Field::kAddressComplement, "address_complement"},
    {Field::kPostalCode, "postal_code"},
    {Field::kCity, "city"},
    {Field::kHousingKind, "housing_kind"},
    {Field::kLeaseKind, "lease_kind"},
    {Field::kSurface, "surface"},
    {Field::kRooms, "rooms"},
    {Field::kFloor, "floor"},
    {Field::kConstructionYear, "construction_year"},
    {Field::kConstructionBand, "construction_band"},
    {Field::kDpeClass, "dpe_class"},
    {Field::kHeating, "heating"},
    {Field::kElevator, "elevator"},
    {Field::kOwnership, "ownership"},
    {Field::kRent, "rent"},
    {Field::kCharges, "charges"},
    {Field::kRentSupplement, "rent_supplement"},
    {Field::kLeaseDate, "lease_date"},
    {Field::kMoveInDate, "move_in_date"},
    {Field::kCaretaker, "caretaker"},
    {Field::kIntercom, "intercom"},
    {Field::kDoorCode, "door_code"},
    {Field::kVideophone, "videophone"},
    {Field::kParking, "parking"},
    {Field::kBalcony, "balcony"},
    {Field::kGarden, "garden"},
    {Field::kToilets, "toilets"},
    {Field::kBathrooms, "bathrooms"},
    {Field::kOwnerType, "owner_type"},
    {Field::kLeaseCategory, "lease_category"},
    {Field::kFirstLetting, "first_letting"},
    {Field::kRentYearBefore, "rent_year_before"},
    {Field::kReferenceRentYearBefore, "reference_rent_year_before"},
    {Field::kReferenceRent, "reference_rent"},
    {Field::kChargesYearBefore, "charges_year_before"},
    {Field::kComment, "comment"},
};

std::vector<std::string> constructionBandCodes() {
  std::vector<std::string> codes;
  for (lease::ConstructionBand band : lease::kConstructionBands) {
    codes.emplace_back(lease::constructionBandCode(band));
  }
  return codes;
}

// The code lists each value map may map to, in the order error messages list them.
const std::map<std::string, std::vector<std::string>>& valueMapCodes() {
  static const std::map<std::string, std::vector<std::string>> codes = {
      {"housing_kind", {"individual", "collective", "out_of_scope"}},
      {"lease_kind", {"unfurnished", "furnished", "out_of_scope"}},
      {"heating", {"individual", "collective"}},
      {"elevator", {"yes", "no"}},
      {"ownership", {"single", "co"}},
      {"construction_band", constructionBandCodes()},
      {"yes_no", {"yes", "no"}},
      {"owner_type", {"individual", "company"}},
      {"lease_category", {"free", "subsidised", "tax_scheme"}},
  };
  return codes;
}

// Fields whose labels mean nothing without their [values.NAME] section.
constexpr FieldInfo kFieldsNeedingValueMap[] = {
    {Field::kHousingKind, "housing_kind"},
    {Field::kLeaseKind, "lease_kind"},
    {Field::kConstructionBand, "construction_band"},
    {Field::kCaretaker, "yes_no"},
    {Field::kIntercom, "yes_no"},
    {Field::kDoorCode, "yes_no"},
    {Field::kVideophone, "yes_no"},
    {Field::kParking, "yes_no"},
    {Field::kBalcony, "yes_no"},
    {Field::kGarden, "yes_no"},
    {Field::kFirstLetting, "yes_no"},
    {Field::kOwnerType, "owner_type"},
    {Field::kLeaseCategory, "lease_category"},
};

std::string at(const IniEntry& entry, const std::filesystem::path& path) {
  return path.string() + " line " + std::to_string(entry.line);
}

Result<char> parseSingleChar(const IniEntry& entry, const std::filesystem::path& path) {
  static const std::map<std::string, char> kNamed = {
      {"semicolon", ';'},    {"comma", ','},         {"tab", '\t'}, {"pipe", '|'},
      {"double-quote", '"'}, {"single-quote", '\''}, {"dot", '.'}};
  auto named = kNamed.find(entry.value);
  if (named != kNamed.end()) {
    return named->second;
  }
  if (entry.value.size() == 1) {
    return entry.value[0];
  }
  return Status::Error(at(entry, path) + ": " + entry.key + " = " + entry.value +
                       " is not one character; write it as one character or as semicolon, "
                       "comma, tab, pipe, double-quote, single-quote or dot");
}

Result<std::vector<std::string>> parseThousands(const IniEntry& entry,
                                                const std::filesystem::path& path) {
  static const std::map<std::string, std::string> kNamed = {{"space", " "},
                                                            {"nbsp", "\xC2\xA0"},
                                                            {"nnbsp", "\xE2\x80\xAF"},
                                                            {"dot", "."},
                                                            {"apostrophe", "'"}};
  std::vector<std::string> out;
  for (const auto& part : split(entry.value, ',')) {
    std::string name = trim(part);
    if (name.empty() || name == "none") {
      continue;
    }
    auto found = kNamed.find(name);
    if (found == kNamed.end()) {
      return Status::Error(at(entry, path) + ": unknown thousands separator '" + name +
                           "'; use a comma-separated list of space, nbsp, nnbsp, dot, "
                           "apostrophe or none");
    }
    out.push_back(found->second);
  }
  return out;
}

Result<std::vector<DateFormat>> parseDateFormats(const IniEntry& entry,
                                                 const std::filesystem::path& path) {
  static const std::map<std::string, DateFormat> kNamed = {
      {"dd/mm/yyyy", DateFormat::kDayMonthYear4},
      {"dd/mm/yy", DateFormat::kDayMonthYear2},
      {"dd.mm.yyyy", DateFormat::kDayDotMonthDotYear4},
      {"yyyy-mm-dd", DateFormat::kIso}};
  std::vector<DateFormat> out;
  for (const auto& part : split(entry.value, ',')) {
    auto found = kNamed.find(trim(part));
    if (found == kNamed.end()) {
      return Status::Error(at(entry, path) + ": unknown date format '" + trim(part) +
                           "'; use dd/mm/yyyy, dd/mm/yy, dd.mm.yyyy or yyyy-mm-dd");
    }
    out.push_back(found->second);
  }
  return out;
}

Status applyFormatKey(const IniEntry& entry, Profile& profile) {
  const auto& path = profile.path;
  const std::string& key = entry.key;
  if (key == "type") {
    if (entry.value == "csv") {
      profile.type = FileType::kCsv;
    } else if (entry.value == "xml") {
      profile.type = FileType::kXml;
    } else {
      return Status::Error(at(entry, path) + ": type = " + entry.value +
                           " is not supported; use csv or xml");
    }
  } else if (key == "record") {
    profile.xml_record_path = entry.value;
  } else if (key == "header") {
    if (entry.value != "yes" && entry.value != "no") {
      return Status::Error(at(entry, path) + ": header = " + entry.value +
                           " is invalid; use yes (the first line names the columns) or no "
                           "(columns are given by position, from 1)");
    }
    profile.header = entry.value == "yes";
  } else if (key == "encoding") {
    auto encoding = parseEncoding(entry.value);
    if (!encoding) {
      return Status::Error(at(entry, path) + ": " + encoding.message());
    }
    profile.csv.encoding = *encoding;
  } else if (key == "separator" || key == "quote" || key == "decimal_separator") {
    auto c = parseSingleChar(entry, path);
    if (!c) {
      return c.status();
    }
    (key == "separator" ? profile.csv.separator
     : key == "quote"   ? profile.csv.quote
                        : profile.decimal_separator) = *c;
  } else if (key == "thousands_separators") {
    auto list = parseThousands(entry, path);
    if (!list) {
      return list.status();
    }
    profile.thousands_separators = *list;
  } else if (key == "currency_marks") {
    profile.currency_marks.clear();
    for (const auto& part : split(entry.value, ',')) {
      if (!trim(part).empty()) {
        profile.currency_marks.push_back(trim(part));
      }
    }
  } else if (key == "date_formats") {
    auto formats = parseDateFormats(entry, path);
    if (!formats) {
      return formats.status();
    }
    profile.date_formats = *formats;
  } else {
    return Status::Error(at(entry, path) + ": unknown key '" + key +
                         "' in [format]; known keys: type, record, header, encoding, separator, "
                         "quote, decimal_separator, thousands_separators, currency_marks, "
                         "date_formats");
  }
  return Status::Ok();
}

Status applyColumnKey(const IniEntry& entry, Profile& profile) {
  for (const auto& info : kFields) {
    if (entry.key == info.name) {
      if (profile.sourceOf(info.field) != nullptr) {
        return Status::Error(at(entry, profile.path) + ": field " + entry.key +
                             " is mapped twice; keep one line");
      }
      if (entry.value.empty()) {
        return Status::Error(at(entry, profile.path) + ": field " + entry.key +
                             " has no column name; write the column's header text after '='");
      }
      profile.columns.push_back({info.field, entry.value, entry.line});
      return Status::Ok();
    }
  }
  std::string known;
  for (const auto& info : kFields) {
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  return Status::Error(at(entry, profile.path) + ": unknown field '" + entry.key +
                       "' in [columns]; known fields: " + known);
}

Status applyValueKey(const IniEntry& entry, const std::string& map_name, Profile& profile) {
  const auto& codes = valueMapCodes();
  auto allowed = codes.find(map_name);
  if (allowed == codes.end()) {
    std::string names;
    for (const auto& [name, unused] : codes) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return Status::Error(at(entry, profile.path) + ": unknown section [values." + map_name +
                         "]; value maps exist for " + names);
  }
  const std::vector<std::string>& allowed_codes = allowed->second;
  if (std::find(allowed_codes.begin(), allowed_codes.end(), entry.value) == allowed_codes.end()) {
    std::string list;
    for (const auto& code : allowed_codes) {
      list += (list.empty() ? "" : ", ") + code;
    }
    return Status::Error(at(entry, profile.path) + ": '" + entry.key + "' maps to '" + entry.value +
                         "', which is not a code of " + map_name + "; use one of " + list);
  }
  ValueMap& map = profile.value_maps[map_name];
  if (map.profile_line == 0) {
    map.profile_line = entry.line;
  }
  map.codes[foldFrench(entry.key)] = entry.value;
  return Status::Ok();
}

Status checkMandatoryMappings(const Profile& profile) {
  std::vector<std::string> missing;
  // Every field the validator requires: without its column every lease would be invalid and
  // the agency asked to complete data that its software does contain.
  for (Field field :
       {Field::kDwellingId, Field::kPostalCode, Field::kCity, Field::kHousingKind, Field::kSurface,
        Field::kRooms, Field::kRent, Field::kMoveInDate, Field::kLeaseDate, Field::kLeaseKind}) {
    if (profile.sourceOf(field) == nullptr) {
      missing.emplace_back(fieldName(field));
    }
  }
  bool has_address = profile.sourceOf(Field::kAddressLine) != nullptr ||
                     profile.sourceOf(Field::kStreetName) != nullptr ||
                     profile.sourceOf(Field::kStreet) != nullptr;
  if (!has_address) {
    missing.emplace_back("address_line (or street_number with street / street_name)");
  }
  if (profile.sourceOf(Field::kConstructionYear) == nullptr &&
      profile.sourceOf(Field::kConstructionBand) == nullptr) {
    missing.emplace_back("construction_year (or construction_band)");
  }
  if (missing.empty()) {
    return Status::Ok();
  }
  std::string list;
  for (const auto& name : missing) {
    list += (list.empty() ? "" : ", ") + name;
  }
  return Status::Error(profile.path.string() + ": [columns] does not map " + list +
                       "; add a line 'field = column header' for each");
}

// Checks the settings that depend on the file type: an XML profile needs its record path, and
// a CSV profile without a header line gives columns by position.
Status checkFileShape(const Profile& profile) {
  if (profile.type == FileType::kXml) {
    if (profile.xml_record_path.empty()) {
      return Status::Error(profile.path.string() +
                           ": [format] type = xml needs record = the "
                           "element path of one lease from the root, e.g. ExportBaux/Bail");
    }
    return Status::Ok();
  }
  if (!profile.xml_record_path.empty()) {
    return Status::Error(profile.path.string() +
                         ": [format] record is only for type = xml; "
                         "remove it or set type = xml");
  }
  if (profile.header) {
    return Status::Ok();
  }
  for (const auto& source : profile.columns) {
    // Positions beyond 100000 columns are refused, which also keeps std::stoul in range.
    if (!isDigits(source.column) || source.column.size() > 6 || std::stoul(source.column) == 0 ||
        std::stoul(source.column) > 100000) {
      return Status::Error(profile.path.string() + " line " + std::to_string(source.profile_line) +
                           ": with header = no, " + fieldName(source.field) +
                           " must be a column position from 1 to 100000, "
                           "not \"" +
                           source.column + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

const char* fieldName(Field field) {
  for (const auto& info : kFields) {
    if (info.field == field) {
      return info.name;
    }
  }
  return "unknown";
}

const ColumnSource* Profile::sourceOf(Field field) const {
  for (const auto& source : columns) {
    if (source.field == field) {
      return &source;
    }
  }
  return nullptr;
}

Result<Profile> loadProfile(const std::filesystem::path& path) {
  auto entries = readIniFile(path);
  if (!entries) {
    return entries.status();
  }
  Profile profile;
  profile.path = path;
  profile.name = path.stem().string();
  profile.date_formats = {DateFormat::kDayMonthYear4};
  for (const auto& entry : *entries) {
    Status applied;
    if (entry.section == "format") {
      applied = applyFormatKey(entry, profile);
    } else if (entry.section == "columns") {
      applied = applyColumnKey(entry, profile);
    } else if (entry.section.rfind("values.", 0) == 0) {
      applied = applyValueKey(entry, entry.section.substr(7), profile);
    } else if (entry.section == "profile" && entry.key == "name") {
      profile.name = entry.value;
    } else {
      applied =
          Status::Error(at(entry, path) + ": '" + entry.key + "' in section [" + entry.section +
                        "] is not a profile setting; sections are "
                        "[profile], [format], [columns] and [values.NAME]");
    }
    if (!applied) {
      return applied;
    }
  }
  for (const auto& [field, needed] : kFieldsNeedingValueMap) {
    if (profile.sourceOf(field) != nullptr && profile.value_maps.count(needed) == 0) {
      return Status::Error(path.string() + ": field " + needed + " is mapped but [values." +
                           needed + "] is missing; list each label of the export with its code");
    }
  }
  if (Status mandatory = checkMandatoryMappings(profile); !mandatory) {
    return mandatory;
  }
  if (Status shape = checkFileShape(profile); !shape) {
    return shape;
  }
  for (const auto& separator : profile.thousands_separators) {
    if (separator == std::string(1, profile.decimal_separator)) {
      return Status::Error(path.string() + ": '" + separator +
                           "' is both the decimal separator and a thousands separator; an "
                           "amount such as 1.234 would be ambiguous. Keep it in one of the two.");
    }
  }
  return profile;
}

}  // namespace alur::ingest
