#include "common/text.h"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace alur {

std::string trim(std::string_view text) {
  auto is_space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_space(text[begin])) {
    ++begin;
  }
  while (end > begin && is_space(text[end - 1])) {
    --end;
  }
  // U+00A0 (C2 A0) and U+202F (E2 80 AF) are spaces in French exports too.
  std::string out(text.substr(begin, end - begin));
  for (bool changed = true; changed;) {
    changed = false;
    if (out.rfind("\xC2\xA0", 0) == 0) {
      out.erase(0, 2);
      changed = true;
    } else if (out.rfind("\xE2\x80\xAF", 0) == 0) {
      out.erase(0, 3);
      changed = true;
    } else if (out.size() >= 2 && out.compare(out.size() - 2, 2, "\xC2\xA0") == 0) {
      out.erase(out.size() - 2);
      changed = true;
    } else if (out.size() >= 3 && out.compare(out.size() - 3, 3, "\xE2\x80\xAF") == 0) {
      out.erase(out.size() - 3);
      changed = true;
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(separator, start);
    if (pos == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      return parts;
    }
    parts.emplace_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string toUpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

namespace {

// Decodes one UTF-8 sequence at `pos` and advances past it; returns U+FFFD for a malformed one.
char32_t decodeAt(std::string_view text, std::size_t& pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  int extra = 0;
  if (lead >= 0x80) {
    extra = (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
  }
  if (extra == 0) {
    ++pos;
    return lead;
  }
  if (extra < 0 || pos + extra >= text.size()) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = lead & (0x3F >> extra);
  for (int i = 1; i <= extra; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  pos += extra + 1;
  return cp;
}

// Returns the upper-case ASCII letters a Latin-1 or Latin Extended-A letter folds to, or
// nullptr when the code point is not a letter with a diacritic.
const char* foldLetter(char32_t cp) {
  switch (cp) {
    case U'à':
    case U'â':
    case U'ä':
    case U'á':
    case U'ã':
    case U'å':
    case U'À':
    case U'Â':
    case U'Ä':
    case U'Á':
    case U'Ã':
    case U'Å':
      return "A";
    case U'ç':
    case U'Ç':
      return "C";
    case U'é':
    case U'è':
    case U'ê':
    case U'ë':
    case U'É':
    case U'È':
    case U'Ê':
    case U'Ë':
      return "E";
    case U'î':
    case U'ï':
    case U'í':
    case U'ì':
    case U'Î':
    case U'Ï':
    case U'Í':
    case U'Ì':
      return "I";
    case U'ô':
    case U'ö':
    case U'ó':
    case U'ò':
    case U'õ':
    case U'Ô':
    case U'Ö':
    case U'Ó':
    case U'Ò':
    case U'Õ':
      return "O";
    case U'ù':
    case U'û':
    case U'ü':
    case U'ú':
    case U'Ù':
    case U'Û':
    case U'Ü':
    case U'Ú':
      return "U";
    case U'ÿ':
    case U'Ÿ':
    case U'ý':
    case U'Ý':
      return "Y";
    case U'ñ':
    case U'Ñ':
      return "N";
    case U'œ':
    case U'Œ':
      return "OE";
    case U'æ':
    case U'Æ':
      return "AE";
    default:
      return nullptr;
  }
}

}  // namespace

std::string foldFrench(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = decodeAt(text, pos);
    std::string piece;
    if ((cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z') || (cp >= U'0' && cp <= U'9')) {
      piece = toUpperAscii(std::string(1, static_cast<char>(cp)));
    } else if (const char* folded = foldLetter(cp)) {
      piece = folded;
    } else {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += piece;
  }
  return out;
}

std::size_t utf8Length(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

std::string utf8Truncate(std::string_view text, std::size_t max_code_points) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (count == max_code_points) {
        return std::string(text.substr(0, i));
      }
      ++count;
    }
  }
  return std::string(text);
}

bool isDigits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool isPlainEmailAddress(const std::string& address) {
  std::size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string::npos) {
    return false;
  }
  for (unsigned char c : address) {
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == ';' ||
        c == '(' || c == ')' || c == '\\') {
      return false;
    }
  }
  return true;
}

namespace {

unsigned char foldAscii(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// Returns whether the POSIX character class `name` ("alpha", "digit"...) of the C locale
// contains `c`, or std::nullopt when `name` is not a class.
std::optional<bool> inCharacterClass(std::string_view name, unsigned char c) {
  bool upper = c >= 'A' && c <= 'Z';
  bool lower = c >= 'a' && c <= 'z';
  bool digit = c >= '0' && c <= '9';
  bool space = c == ' ' || (c >= '\t' && c <= '\r');
  bool control = c < 0x20 || c == 0x7f;
  bool printable = c >= 0x20 && c < 0x7f;
  bool alpha = upper || lower;

  const std::pair<std::string_view, bool> classes[] = {
      {"alpha", alpha},
      {"digit", digit},
      {"alnum", alpha || digit},
      {"upper", upper},
      {"lower", lower},
      {"space", space},
      {"blank", c == ' ' || c == '\t'},
      {"punct", printable && c != ' ' && !alpha && !digit},
      {"print", printable},
      {"graph", printable && c != ' '},
      {"cntrl", control},
      {"xdigit", digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')},
  };
  for (const auto& [class_name, member] : classes) {
    if (class_name == name) {
      return member;
    }
  }
  return std::nullopt;
}

enum class SetResult { kMember, kNotMember, kNotASet, kInvalid };

struct SetMatch {
  SetResult result = SetResult::kNotASet;
  std::size_t end = 0;  // after the closing ']'
  std::string problem;  // why the set is invalid
};

constexpr const char* kEndsInsideSet =
    "ends inside a set, after a '\\' or the '-' of a range; close the set with ']'";

// Reads one character of a set at pattern[p] and moves p past it: a plain character, one made
// literal by '\', or a collating symbol or equivalence class of one character ("[.-.]",
// "[=a=]"). Sets `*exact` for the last two, which glibc compares without folding case.
unsigned char readSetCharacter(std::string_view pattern, std::size_t& p, bool* exact = nullptr) {
  if (exact != nullptr) {
    *exact = false;
  }
  if (pattern[p] == '[' && p + 4 < pattern.size() &&
      (pattern[p + 1] == '.' || pattern[p + 1] == '=') && pattern[p + 3] == pattern[p + 1] &&
      pattern[p + 4] == ']') {
    if (exact != nullptr) {
      *exact = true;
    }
    p += 5;
    return static_cast<unsigned char>(pattern[p - 3]);
  }
  if (pattern[p] == '\\' && p + 1 < pattern.size()) {
    p += 2;
    return static_cast<unsigned char>(pattern[p - 1]);
  }
  return static_cast<unsigned char>(pattern[p++]);
}

// Matches `c` against the set that opens at pattern[open] ('['). A set that is not closed is
// no set, and the caller takes '[' literally. A set that names an unknown character class is
// invalid, and the pattern then matches nothing, as with fnmatch.
SetMatch matchSet(std::string_view pattern, std::size_t open, unsigned char c) {
  std::size_t p = open + 1;
  bool negated = p < pattern.size() && (pattern[p] == '!' || pattern[p] == '^');
  if (negated) {
    ++p;
  }
  unsigned char folded = foldAscii(c);
  bool found = false;
  bool first = true;
  while (p < pattern.size() && (first || pattern[p] != ']')) {
    first = false;
    if (pattern[p] == '[' && p + 1 < pattern.size() && pattern[p + 1] == ':') {
      std::size_t close = pattern.find(":]", p + 2);
      if (close != std::string_view::npos) {
        std::optional<bool> member = inCharacterClass(pattern.substr(p + 2, close - p - 2), c);
        if (!member) {
          return {SetResult::kInvalid, 0,
                  "names the unknown character class [:" +
                      std::string(pattern.substr(p + 2, close - p - 2)) +
                      ":]; use alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, "
                      "space, upper or xdigit"};
        }
        found = found || *member;
        p = close + 2;
        continue;
      }
    }
    if (pattern.substr(p, 2) == "[." && pattern.find(".]", p + 2) == std::string_view::npos) {
      // A collating symbol never closed, as glibc takes it.
      return {SetResult::kInvalid, 0, "opens a collating symbol '[.' that is never closed"};
    }
    // glibc matches nothing when the pattern ends inside an element: after a '\', or after
    // the '-' of a range.
    if (pattern[p] == '\\' && p + 1 == pattern.size()) {
      return {SetResult::kInvalid, 0, kEndsInsideSet};
    }
    bool exact = false;
    unsigned char low = readSetCharacter(pattern, p, &exact);
    if (p + 1 == pattern.size() && pattern[p] == '-') {
      return {SetResult::kInvalid, 0, kEndsInsideSet};
    }
    if (p + 1 < pattern.size() && pattern[p] == '-' && pattern[p + 1] != ']') {
      ++p;
      if (pattern[p] == '\\' && p + 1 == pattern.size()) {
        return {SetResult::kInvalid, 0, kEndsInsideSet};
      }
      unsigned char high = readSetCharacter(pattern, p);
      if (foldAscii(low) <= folded && folded <= foldAscii(high)) {
        found = true;
      }
    } else if (exact ? low == c : foldAscii(low) == folded) {
      found = true;
    }
  }
  if (p >= pattern.size()) {
    return {SetResult::kNotASet, 0, ""};
  }
  return {found != negated ? SetResult::kMember : SetResult::kNotMember, p + 1, ""};
}

}  // namespace

bool matchesFilePattern(std::string_view pattern, std::string_view name) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t p = 0;
  std::size_t n = 0;
  // Where to resume after the last '*' when what follows it fails: the pattern after the star,
  // and the name one character further than the last try.
  std::size_t star_p = kNone;
  std::size_t star_n = 0;
  while (n < name.size()) {
    std::size_t next = kNone;
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_n = n;
        continue;
      }
      SetMatch set;
      if (pc == '[') {
        set = matchSet(pattern, p, static_cast<unsigned char>(name[n]));
      }
      if (set.result == SetResult::kInvalid) {
        return false;
      }
      if (pc == '?') {
        next = p + 1;
      } else if (set.result != SetResult::kNotASet) {
        next = set.result == SetResult::kMember ? set.end : kNone;
      } else if (pc == '\\' && p + 1 == pattern.size()) {
        next = kNone;  // a '\' that escapes nothing matches nothing, as with fnmatch
      } else {
        if (pc == '\\') {
          pc = pattern[++p];
        }
        next = foldAscii(static_cast<unsigned char>(pc)) ==
                       foldAscii(static_cast<unsigned char>(name[n]))
                   ? p + 1
                   : kNone;
      }
    }
    if (next != kNone) {
      p = next;
      ++n;
    } else if (star_p != kNone) {
      p = star_p;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::string checkFilePattern(std::string_view pattern) {
  if (pattern.empty()) {
    return "is empty";
  }
  std::size_t backslashes = 0;
  for (std::size_t i = pattern.size(); i > 0 && pattern[i - 1] == '\\'; --i) {
    ++backslashes;
  }
  if (backslashes % 2 == 1) {
    return "ends with a '\\' that escapes nothing";
  }
  for (std::size_t open = 0; open < pattern.size(); ++open) {
    if (pattern[open] == '\\') {
      ++open;  // the next character is literal
      continue;
    }
    if (pattern[open] != '[') {
      continue;
    }
    SetMatch set = matchSet(pattern, open, 'a');
    if (set.result == SetResult::kInvalid) {
      return set.problem;
    }
    // What glibc reads inside the set: up to its ']', or to the end when it is not closed.
    std::size_t end = set.result == SetResult::kNotASet ? pattern.size() : set.end - 1;
    std::string_view inside = pattern.substr(open + 1, end - open - 1);
    if (inside.find("[.") != std::string_view::npos ||
        inside.find("[=") != std::string_view::npos) {
      return "uses a collating symbol or an equivalence class ([. .] or [= =]), which file "
             "patterns do not support; write the character itself";
    }
    if (set.result != SetResult::kNotASet) {
      open = end;  // after the set
    }
  }
  return "";
}

}  // namespace alur
