#include "lease/postal_table.h"

#include <algorithm>
#include <fstream>

#include "common/hash.h"
#include "common/text.h"

namespace alur::lease {
namespace {

// Replaces whole words: "SAINT GERMAIN" → "ST GERMAIN", but "SAINTES" stays.
std::string abbreviateSaints(const std::string& folded) {
  std::vector<std::string> words = split(folded, ' ');
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) {
      out += ' ';
    }
    if (word == "SAINT") {
      out += "ST";
    } else if (word == "SAINTE") {
      out += "STE";
    } else {
      out += word;
    }
  }
  return out;
}

// True for an arrondissement number as written in addresses: "04", "3E", "1ER", "15EME" (after
// folding, so "3e" and "15ème" qualify too).
bool isArrondissement(const std::string& word) {
  std::size_t digits = 0;
  while (digits < word.size() && word[digits] >= '0' && word[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 2) {
    return false;
  }
  std::string suffix = word.substr(digits);
  return suffix.empty() || suffix == "E" || suffix == "ER" || suffix == "EME";
}

// "PARIS 04" and "PARIS 4E" → "PARIS", "LYON 1ER" → "LYON": a trailing arrondissement goes.
std::string withoutArrondissement(const std::string& folded) {
  auto space = folded.rfind(' ');
  if (space != std::string::npos && isArrondissement(folded.substr(space + 1))) {
    return folded.substr(0, space);
  }
  return folded;
}

}  // namespace

std::string foldCommuneName(const std::string& name) { return abbreviateSaints(foldFrench(name)); }

Result<PostalTable> PostalTable::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open the postal reference table " + path.string() +
                         ": set [reference] postal_table to La Poste's base officielle des "
                         "codes postaux (CSV)");
  }
  PostalTable table;
  std::string line;
  std::string all_bytes_hash_input;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    all_bytes_hash_input += line;
    all_bytes_hash_input += '\n';
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line_no == 1) {
      if (line.find("Code_commune_INSEE") == std::string::npos) {
        return Status::Error(path.string() +
                             " line 1: expected the header of La Poste's "
                             "base officielle des codes postaux (Code_commune_INSEE;...)");
      }
      continue;
    }
    auto fields = split(line, ';');
    if (fields.size() < 5) {
      continue;
    }
    const std::string& postal_code = fields[2];
    Locality locality{fields[0], fields[1], {}};
    for (int column : {1, 3, 4}) {
      std::string folded = foldCommuneName(fields[column]);
      if (!folded.empty()) {
        locality.folded_names.push_back(folded);
        locality.folded_names.push_back(withoutArrondissement(folded));
      }
    }
    table.by_postal_code_[postal_code].push_back(std::move(locality));
    ++table.rows_;
  }
  table.edition_ = path.filename().string() + " (" + std::to_string(table.rows_) +
                   " lines, sha256 " + sha256Hex(all_bytes_hash_input).substr(0, 12) + ")";
  return table;
}

bool PostalTable::knowsPostalCode(const std::string& postal_code) const {
  return by_postal_code_.count(postal_code) > 0;
}

std::string PostalTable::findInsee(const std::string& postal_code, const std::string& city) const {
  auto found = by_postal_code_.find(postal_code);
  if (found == by_postal_code_.end()) {
    return "";
  }
  std::string folded = foldCommuneName(city);
  std::string folded_short = withoutArrondissement(folded);
  for (const auto& locality : found->second) {
    for (const auto& name : locality.folded_names) {
      if (name == folded || name == folded_short) {
        return locality.insee;
      }
    }
  }
  return "";
}

std::vector<std::string> PostalTable::communesOf(const std::string& postal_code) const {
  std::vector<std::string> names;
  auto found = by_postal_code_.find(postal_code);
  if (found == by_postal_code_.end()) {
    return names;
  }
  for (const auto& locality : found->second) {
    if (std::find(names.begin(), names.end(), locality.display_name) == names.end()) {
      names.push_back(locality.display_name);
    }
  }
  return names;
}

}  // namespace alur::lease
