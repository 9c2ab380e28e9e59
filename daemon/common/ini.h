// A small INI reader that keeps line numbers, for files whose keys are free text (profile
// column names such as "Date d'effet du bail"), where error messages must name the line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace alur {

struct IniEntry {
  std::string section;  // text between [ and ], trimmed; empty before the first section
  std::string key;      // text before the first '=', trimmed
  std::string value;    // text after the first '=', trimmed
  int line = 0;         // 1-based line number in the file
};

// Reads `path` as UTF-8 (a leading BOM is skipped). Lines starting with '#' or ';' are
// comments. Returns an error naming the file and line for a line that is neither a section, a
// key = value pair, a comment nor blank.
Result<std::vector<IniEntry>> readIniFile(const std::filesystem::path& path);

}  // namespace alur
