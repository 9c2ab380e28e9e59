// `alur-relay check-export`: reads one export through a profile, without a service or a
// database, and prints the status of every lease with its reasons.
#pragma once

#include <filesystem>
#include <ostream>

#include "ingest/profile.h"
#include "lease/postal_table.h"
#include "lease/record.h"

namespace alur::ingest {

// Exit codes of check-export (sysexits.h values).
constexpr int kExitReadable = 0;     // the file was read, whatever its leases' status
constexpr int kExitUnreadable = 65;  // EX_DATAERR: the file cannot be read as a whole
constexpr int kExitBadProfile = 78;  // EX_CONFIG

struct CheckExportOptions {
  std::filesystem::path file;
  bool json = false;
  lease::Date today;
};

// Writes the report to `out` as it reads, so memory does not grow with the file, and the
// summary or the error at the end. Returns kExitReadable or kExitUnreadable.
int checkExport(const CheckExportOptions& options, const Profile& profile,
                const lease::PostalTable& postal_table, std::ostream& out);

}  // namespace alur::ingest
