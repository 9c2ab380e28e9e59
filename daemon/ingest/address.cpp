#include "ingest/address.h"

#include <map>

#include "common/text.h"

namespace alur::ingest {
namespace {

// Folded street type words and their abbreviations in the official file.
const std::map<std::string, std::string>& streetTypes() {
  static const std::map<std::string, std::string> types = {
      {"RUE", "RUE"},     {"R", "RUE"},          {"AVENUE", "AV"},     {"AV", "AV"},
      {"AVE", "AV"},      {"BOULEVARD", "BD"},   {"BD", "BD"},         {"BLVD", "BD"},
      {"PLACE", "PL"},    {"PL", "PL"},          {"IMPASSE", "IMP"},   {"IMP", "IMP"},
      {"ALLEE", "ALL"},   {"ALL", "ALL"},        {"QUAI", "QUAI"},     {"COURS", "CRS"},
      {"CRS", "CRS"},     {"CHEMIN", "CHE"},     {"CHE", "CHE"},       {"ROUTE", "RTE"},
      {"RTE", "RTE"},     {"SQUARE", "SQ"},      {"SQ", "SQ"},         {"PASSAGE", "PAS"},
      {"PAS", "PAS"},     {"CHAUSSEE", "CHS"},   {"FAUBOURG", "FG"},   {"FBG", "FG"},
      {"FG", "FG"},       {"PROMENADE", "PROM"}, {"RESIDENCE", "RES"}, {"SENTIER", "SEN"},
      {"VOIE", "VOIE"},   {"ROND POINT", "RPT"}, {"HAMEAU", "HAM"},    {"LOTISSEMENT", "LOT"},
      {"MONTEE", "MTE"},  {"PARVIS", "PRV"},     {"ESPLANADE", "ESP"}, {"VILLA", "VLA"},
      {"CITE", "CITE"},   {"TRAVERSE", "TRA"},   {"RUELLE", "RLE"},    {"CLOS", "CLOS"},
      {"DOMAINE", "DOM"}, {"COUR", "COUR"},      {"PORT", "PORT"},     {"PONT", "PONT"},
  };
  return types;
}

// Splits off the first word of `text`; returns it and leaves the rest (trimmed) in `rest`.
std::string firstWord(const std::string& text, std::string& rest) {
  std::string trimmed = trim(text);
  auto space = trimmed.find(' ');
  if (space == std::string::npos) {
    rest.clear();
    return trimmed;
  }
  rest = trim(trimmed.substr(space + 1));
  return trimmed.substr(0, space);
}

}  // namespace

std::string streetTypeCode(const std::string& word) {
  auto found = streetTypes().find(foldFrench(word));
  return found == streetTypes().end() ? "" : found->second;
}

std::string repetitionCode(const std::string& word) {
  std::string folded = foldFrench(word);
  if (folded == "BIS" || folded == "B") {
    return "B";
  }
  if (folded == "TER" || folded == "T") {
    return "T";
  }
  if (folded == "QUATER" || folded == "Q") {
    return "Q";
  }
  return "";
}

AddressParts parseStreet(const std::string& street) {
  AddressParts parts;
  std::string rest;
  std::string word = firstWord(street, rest);
  std::string code = streetTypeCode(word);
  if (!code.empty() && !rest.empty()) {
    parts.street_type = code;
    parts.street_name = rest;
  } else {
    parts.street_name = trim(street);
  }
  return parts;
}

AddressParts parseAddressLine(const std::string& line) {
  std::string text = trim(line);
  std::size_t digits = 0;
  while (digits < text.size() && digits < 5 && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 4) {
    AddressParts parts;
    parts.street_name = text;
    return parts;
  }
  std::string number = text.substr(0, digits);
  std::string rest = trim(text.substr(digits));
  if (!rest.empty() && rest[0] == ',') {
    rest = trim(rest.substr(1));
  }

  // The repetition index is a word ("bis", "ter") or a letter glued to the number ("12B").
  std::string repetition;
  std::string after_word;
  std::string word = firstWord(rest, after_word);
  if (!repetitionCode(word).empty() && !after_word.empty()) {
    repetition = repetitionCode(word);
    rest = after_word;
  }
  if (rest.size() > 0 && rest[0] == ',') {
    rest = trim(rest.substr(1));
  }

  AddressParts parts = parseStreet(rest);
  parts.street_number = number;
  parts.repetition = repetition;
  return parts;
}

}  // namespace alur::ingest
