// String helpers shared by the readers, the validator and the writers. All text is UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace alur {

std::string trim(std::string_view text);

// Splits on every occurrence of `separator`; "a;;b" gives three parts.
std::vector<std::string> split(std::string_view text, char separator);

std::string toUpperAscii(std::string_view text);
std::string toLowerAscii(std::string_view text);

// Folds French text for comparisons: Latin letters with accents lose them (É → E, Œ → OE),
// letters become upper case, hyphens, apostrophes and other punctuation become spaces, and
// runs of spaces collapse to one. "Saint-Étienne" and "ST ETIENNE" fold to different strings;
// the caller handles abbreviations.
std::string foldFrench(std::string_view text);

// Number of Unicode code points in valid UTF-8.
std::size_t utf8Length(std::string_view text);

// Cuts valid UTF-8 to at most `max_code_points` code points, never inside a sequence.
std::string utf8Truncate(std::string_view text, std::size_t max_code_points);

bool isDigits(std::string_view text);

// True for an e-mail address that can go into a header as is: one '@', no space, no control
// character, no angle bracket, comma or quote.
bool isPlainEmailAddress(const std::string& address);

// Matches a file name against a shell pattern, ignoring the case of ASCII letters.
// '*' matches any run of characters and '?' one character. "[abc]", "[a-z]", "[[:digit:]]" and
// "[!a-z]" match one character of a set or outside it. '\' makes the next character literal,
// and so is an unclosed '['. For every pattern that checkFilePattern accepts, the result is
// that of fnmatch(3) with FNM_CASEFOLD in the C locale.
bool matchesFilePattern(std::string_view pattern, std::string_view name);

// Returns what makes `pattern` unusable, or an empty string for a usable pattern. It rejects
// what matches nothing in fnmatch: a lone '\' at the end, a set that ends inside a range, an
// unknown class. It also rejects what file patterns do not support: class names in capitals,
// which glibc reads as plain characters, and collating symbols and equivalence classes.
std::string checkFilePattern(std::string_view pattern);

}  // namespace alur
