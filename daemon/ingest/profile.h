// A profile describes how one property-management software writes its lease export: the file
// format, and which column feeds which canonical field. Connecting a new software means
// writing a profile, not changing the code. The format is documented in docs/profiles.md.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/csv_reader.h"

namespace alur::ingest {

// The canonical fields a profile may map a column to.
enum class Field {
  kDwellingId,
  kManagementId,
  kAddressLine,  // one free-text line: number, repetition, street type and name
  kStreetNumber,
  kRepetition,
  kStreet,  // street type and name in one column, e.g. "rue des Lilas"
  kStreetType,
  kStreetName,
  kAddressComplement,
  kPostalCode,
  kCity,
  kHousingKind,  // mapped through [values.housing_kind]
  kLeaseKind,    // mapped through [values.lease_kind]
  kSurface,
  kRooms,
  kFloor,
  kConstructionYear,
  kConstructionBand,  // mapped through [values.construction_band]
  kDpeClass,
  kHeating,    // mapped through [values.heating]
  kElevator,   // mapped through [values.elevator]
  kOwnership,  // mapped through [values.ownership]
  kRent,
  kCharges,
  kRentSupplement,
  kLeaseDate,
  kMoveInDate,
  // Optional positions; the yes/no ones are mapped through [values.yes_no].
  kCaretaker,
  kIntercom,
  kDoorCode,
  kVideophone,
  kParking,
  kBalcony,
  kGarden,
  kToilets,
  kBathrooms,
  kOwnerType,      // mapped through [values.owner_type]
  kLeaseCategory,  // mapped through [values.lease_category]
  kFirstLetting,
  kRentYearBefore,
  kReferenceRentYearBefore,
  kReferenceRent,
  kChargesYearBefore,
  kComment,
};

const char* fieldName(Field field);

enum class DateFormat { kDayMonthYear4, kDayMonthYear2, kDayDotMonthDotYear4, kIso };

struct ColumnSource {
  Field field;
  std::string column;  // the column name as it appears in the export's header line
  int profile_line = 0;
};

// One [values.NAME] section: export label → canonical code, compared case-insensitively.
struct ValueMap {
  std::map<std::string, std::string> codes;  // keys are folded labels
  int profile_line = 0;
};

enum class FileType { kCsv, kXml };

struct Profile {
  std::filesystem::path path;
  std::string name;
  FileType type = FileType::kCsv;
  CsvOptions csv;
  // CSV only: true when the first record names the columns. Without a header line, columns are
  // given by their 1-based position.
  bool header = true;
  // XML only: element path of one lease from the root, e.g. "ExportBaux/Bail". Column sources
  // are then paths relative to that element: "@lot", "Locataire", "Adresse/@numero".
  std::string xml_record_path;
  char decimal_separator = ',';
  std::vector<std::string> thousands_separators;  // UTF-8 strings removed inside numbers
  std::vector<std::string> currency_marks = {"€", "EUR"};
  std::vector<DateFormat> date_formats;
  std::vector<ColumnSource> columns;
  std::map<std::string, ValueMap> value_maps;  // by name: housing_kind, lease_kind...

  const ColumnSource* sourceOf(Field field) const;
};

// Loads and checks a profile. An unknown section or key, a value map code outside its code
// list, or a missing mandatory mapping is an error that names the profile line and the fix.
Result<Profile> loadProfile(const std::filesystem::path& path);

}  // namespace alur::ingest
