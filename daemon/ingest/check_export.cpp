#include "ingest/check_export.h"

#include <nlohmann/json.hpp>

#include "ingest/export_reader.h"
#include "lease/validate.h"

namespace alur::ingest {
namespace {

using nlohmann::json;

json issuesOf(const std::vector<lease::Issue>& issues, lease::Severity severity) {
  json list = json::array();
  for (const auto& issue : issues) {
    if (issue.severity == severity) {
      list.push_back({{"code", issue.code},
                      {"field", issue.field},
                      {"value", issue.value},
                      {"message", issue.message}});
    }
  }
  return list;
}

struct Counts {
  int leases = 0;
  int valid = 0;
  int invalid = 0;
  int out_of_scope = 0;
  int warnings = 0;
};

void printText(const ExportRow& row, lease::Classification classification, std::ostream& out) {
  out << row.record.dwelling_id << " (line " << row.line
      << "): " << lease::classificationName(classification) << "\n";
  for (const auto& issue : row.issues) {
    out << "  " << lease::severityName(issue.severity) << " " << issue.code << ": " << issue.message
        << "\n";
  }
}

}  // namespace

int checkExport(const CheckExportOptions& options, const Profile& profile,
                const lease::PostalTable& postal_table, std::ostream& out) {
  Counts counts;
  bool first = true;
  if (options.json) {
    out << "{\"file\":" << json(options.file.string()).dump()
        << ",\"profile\":" << json(profile.path.string()).dump() << ",\"leases\":[";
  }
  Status read = readExport(options.file, profile, [&](ExportRow&& row) {
    lease::Classification classification =
        lease::validateAndClassify(row.record, postal_table, options.today, row.issues);
    ++counts.leases;
    counts.valid += classification == lease::Classification::kValid;
    counts.invalid += classification == lease::Classification::kInvalid;
    counts.out_of_scope += classification == lease::Classification::kOutOfScope;
    for (const auto& issue : row.issues) {
      counts.warnings += issue.severity == lease::Severity::kWarning;
    }
    if (!options.json) {
      printText(row, classification, out);
      return Status::Ok();
    }
    json lease = {{"dwelling_id", row.record.dwelling_id},
                  {"line", row.line},
                  {"status", lease::classificationName(classification)},
                  {"fingerprint", lease::fingerprint(row.record)},
                  {"errors", issuesOf(row.issues, lease::Severity::kError)},
                  {"warnings", issuesOf(row.issues, lease::Severity::kWarning)},
                  {"out_of_scope", issuesOf(row.issues, lease::Severity::kOutOfScope)}};
    out << (first ? "" : ",") << "\n" << lease.dump();
    first = false;
    return Status::Ok();
  });
  json summary = {{"leases", counts.leases},     {"valid", counts.valid},
                  {"invalid", counts.invalid},   {"out_of_scope", counts.out_of_scope},
                  {"warnings", counts.warnings}, {"readable", read.ok()}};
  if (options.json) {
    out << "\n],\"summary\":" << summary.dump();
    if (!read.ok()) {
      out << ",\"error\":" << json(read.message()).dump();
    }
    out << "}\n";
  } else if (read.ok()) {
    out << "\n"
        << counts.leases << " leases: " << counts.valid << " valid, " << counts.invalid
        << " invalid, " << counts.out_of_scope << " out of scope, " << counts.warnings
        << " warnings\n";
  } else {
    out << "\nThe file cannot be read as a whole, so the service would import none of it:\n  "
        << read.message() << "\n";
  }
  return read.ok() ? kExitReadable : kExitUnreadable;
}

}  // namespace alur::ingest
