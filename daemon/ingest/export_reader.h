// Reads one export file through a profile and turns each line into a canonical lease record
// with the reader's findings (malformed numbers, unknown labels, spreadsheet damage).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "common/status.h"
#include "ingest/profile.h"
#include "lease/issue.h"
#include "lease/record.h"

namespace alur::ingest {

struct ExportRow {
  std::uint64_t line = 0;  // physical line where the record begins
  lease::LeaseRecord record;
  std::vector<lease::Issue> issues;
};

// Streams `file` and calls `on_row` for each lease. Returns an error (naming the file, line and
// byte offset) when the file cannot be read as a whole: undecodable bytes, a column of the
// profile missing from the header, an empty or header-only file. Rows already passed to
// `on_row` must then be discarded by the caller, which imports a file entirely or not at all.
// An error returned by `on_row` stops the reading and is returned as is.
Status readExport(const std::filesystem::path& file, const Profile& profile,
                  const std::function<Status(ExportRow&&)>& on_row);

}  // namespace alur::ingest
