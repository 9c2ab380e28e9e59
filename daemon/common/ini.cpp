#include "common/ini.h"

#include <fstream>

#include "common/text.h"

namespace alur {

Result<std::vector<IniEntry>> readIniFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open " + path.string() +
                         ": check that the file exists and is readable");
  }

  std::vector<IniEntry> entries;
  std::string section;
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    if (line_no == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) {
      raw.erase(0, 3);
    }
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        return Status::Error(path.string() + " line " + std::to_string(line_no) +
                             ": section header without closing ']': " + line);
      }
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      return Status::Error(path.string() + " line " + std::to_string(line_no) +
                           ": expected 'key = value', found: " + line);
    }
    entries.push_back({section, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), line_no});
  }
  return entries;
}

}  // namespace alur
