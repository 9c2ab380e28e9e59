#include "ingest/export_reader.h"

#include <fstream>
#include <map>

#include "common/text.h"
#include "ingest/row_builder.h"
#include "ingest/xml_reader.h"

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

// Reads CSV records: with a header line the profile's column names are looked up in it, without
// one the profile gives 1-based positions.
Status readCsvExport(std::istream& in, const std::filesystem::path& file, const Profile& profile,
                     const std::function<Status(ExportRow&&)>& on_row) {
  CsvReader reader(in, profile.csv);
  std::vector<std::string> fields;
  auto has_first = reader.next(fields);
  if (!has_first) {
    return Status::Error(file.string() + ": " + has_first.message());
  }
  if (!*has_first) {
    return Status::Error(file.string() +
                         ": the file is empty; the software's export is "
                         "probably incomplete, export it again");
  }
  ColumnIndex index;
  bool first_is_data = !profile.header;
  if (profile.header) {
    auto found = indexColumns(fields, profile, file);
    if (!found) {
      return found.status();
    }
    index = std::move(*found);
  } else {
    for (const auto& source : profile.columns) {
      index[source.field] = std::stoul(source.column) - 1;
    }
  }
  std::size_t width = profile.header ? fields.size() : 0;
  std::uint64_t rows = 0;
  while (true) {
    if (!first_is_data) {
      auto has_row = reader.next(fields);
      if (!has_row) {
        return Status::Error(file.string() + ": " + has_row.message());
      }
      if (!*has_row) {
        break;
      }
    }
    first_is_data = false;
    ++rows;
    FieldValues values;
    for (const auto& [field, position] : index) {
      if (position < fields.size()) {
        values[field] = fields[position];
      }
    }
    ExportRow row;
    row.line = reader.recordLine();
    buildRow(profile, values, row);
    if (fields.size() < width) {
      row.issues.push_back(
          {"line_incomplete", Severity::kError, "line", std::to_string(fields.size()),
           "Logement " + row.record.dwelling_id + " : la ligne " + std::to_string(row.line) +
               " n'a que " + std::to_string(fields.size()) + " colonnes sur " +
               std::to_string(width) + " ; vérifiez l'export."});
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

// Reads XML records: each element at the profile's record path is one lease, and each field's
// source is a path relative to it.
Status readXmlExport(std::istream& in, const std::filesystem::path& file, const Profile& profile,
                     const std::function<Status(ExportRow&&)>& on_row) {
  XmlOptions options;
  options.record_path = profile.xml_record_path;
  XmlRecordReader reader(in, options);
  std::map<std::string, std::string> paths;
  std::uint64_t rows = 0;
  while (true) {
    auto has_row = reader.next(paths);
    if (!has_row) {
      return Status::Error(file.string() + ": " + has_row.message());
    }
    if (!*has_row) {
      break;
    }
    ++rows;
    FieldValues values;
    for (const auto& source : profile.columns) {
      auto found = paths.find(source.column);
      if (found != paths.end()) {
        values[source.field] = found->second;
      } else if (rows == 1 && source.field == Field::kDwellingId) {
        // NOTE: only the dwelling id is required in the first record; an optional element may
        // be missing from some records of a valid export, so other paths are not checked.
        return Status::Error(file.string() + " line " + std::to_string(reader.recordLine()) +
                             ": the first <" + profile.xml_record_path + "> record has no \"" +
                             source.column + "\" (field dwelling_id, " + profile.path.string() +
                             " line " + std::to_string(source.profile_line) +
                             "). Correct the path in the profile.");
      }
    }
    ExportRow row;
    row.line = reader.recordLine();
    buildRow(profile, values, row);
    if (Status handled = on_row(std::move(row)); !handled) {
      return handled;
    }
  }
  if (rows == 0) {
    return Status::Error(file.string() + ": no <" + profile.xml_record_path +
                         "> record in the file; check [format] record in the profile, or export "
                         "the file again");
  }
  return Status::Ok();
}

}  // namespace

Status readExport(const std::filesystem::path& file, const Profile& profile,
                  const std::function<Status(ExportRow&&)>& on_row) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open " + file.string() +
                         ": check that it exists and that the service account may read it");
  }
  if (profile.type == FileType::kXml) {
    return readXmlExport(in, file, profile, on_row);
  }
  return readCsvExport(in, file, profile, on_row);
}

}  // namespace alur::ingest
