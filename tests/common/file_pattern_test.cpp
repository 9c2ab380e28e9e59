#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <fnmatch.h>

#include "common/text.h"

namespace alur {
namespace {

TEST(FilePatternTest, MatchesTheUsualExportPatterns) {
  EXPECT_TRUE(matchesFilePattern("*.csv", "baux_2026.csv"));
  EXPECT_TRUE(matchesFilePattern("*.csv", "BAUX_2026.CSV"));
  EXPECT_FALSE(matchesFilePattern("*.csv", "baux_2026.csv.part"));
  EXPECT_FALSE(matchesFilePattern("*.csv", "baux_2026.xml"));
  EXPECT_TRUE(matchesFilePattern("export_????.??.??.xml", "Export_2026.12.04.XML"));
  EXPECT_FALSE(matchesFilePattern("export_????.??.??.xml", "export_2026.12.4.xml"));
  EXPECT_TRUE(matchesFilePattern("baux[0-9]*.txt", "baux7-decembre.txt"));
  EXPECT_FALSE(matchesFilePattern("baux[!0-9]*.txt", "baux7-decembre.txt"));
  EXPECT_TRUE(matchesFilePattern("*", ""));
  EXPECT_FALSE(matchesFilePattern("?", ""));
}

TEST(FilePatternTest, TakesEscapesAndUnclosedSetsLiterally) {
  EXPECT_TRUE(matchesFilePattern("\\*.csv", "*.csv"));
  EXPECT_FALSE(matchesFilePattern("\\*.csv", "a.csv"));
  EXPECT_TRUE(matchesFilePattern("[*.csv", "[a.csv"));
  EXPECT_TRUE(matchesFilePattern("[]a]", "]"));
  EXPECT_TRUE(matchesFilePattern("[!]a]", "b"));
  EXPECT_FALSE(matchesFilePattern("[!]a]", "]"));
}

TEST(FilePatternTest, MatchesCharacterClasses) {
  EXPECT_TRUE(matchesFilePattern("[[:digit:]]*.csv", "7baux.csv"));
  EXPECT_FALSE(matchesFilePattern("[[:digit:]]*.csv", "baux7.csv"));
  EXPECT_TRUE(matchesFilePattern("baux_[[:alpha:]_]*", "baux_Lyon"));
  EXPECT_TRUE(matchesFilePattern("baux[![:space:]]", "baux-"));
  EXPECT_FALSE(matchesFilePattern("baux[![:space:]]", "baux "));
  // As in glibc, a class tests the character as it is, without folding its case.
  EXPECT_TRUE(matchesFilePattern("[[:upper:]]*", "Baux"));
  EXPECT_FALSE(matchesFilePattern("[[:upper:]]*", "baux"));
  EXPECT_TRUE(matchesFilePattern("[[.-.]]", "-"));
  EXPECT_FALSE(matchesFilePattern("[[:letter:]]*", "baux"));
}

TEST(FilePatternTest, ChecksPatternsThatMatchNothing) {
  EXPECT_EQ(checkFilePattern("*.csv"), "");
  EXPECT_EQ(checkFilePattern("[[:digit:]]*.[cC][sS][vV]"), "");
  EXPECT_EQ(checkFilePattern("baux\\\\"), "");
  EXPECT_EQ(checkFilePattern(""), "is empty");
  EXPECT_EQ(checkFilePattern("baux\\"), "ends with a '\\' that escapes nothing");
  EXPECT_FALSE(matchesFilePattern("baux\\", "baux\\"));
  EXPECT_EQ(checkFilePattern("baux[a-"),
            "ends inside a set, after a '\\' or the '-' of a range; close the set with ']'");
  EXPECT_FALSE(matchesFilePattern("baux[a-", "baux[a-"));
  EXPECT_EQ(checkFilePattern("[[]*.csv"), "");
  EXPECT_EQ(checkFilePattern("x[[]a-"), "");
  EXPECT_EQ(checkFilePattern("[.]csv"), "");
  EXPECT_EQ(checkFilePattern("[[=a=]]*"),
            "uses a collating symbol or an equivalence class ([. .] or [= =]), which file "
            "patterns do not support; write the character itself");
  EXPECT_EQ(checkFilePattern("[[=").substr(0, 20), "uses a collating sym");
  EXPECT_EQ(checkFilePattern("[[:Alpha:]]*").substr(0, 45),
            "names the unknown character class [:Alpha:]; ");
  EXPECT_EQ(checkFilePattern("[[.]*[:foo:]"), "opens a collating symbol '[.' that is never closed");
  EXPECT_EQ(checkFilePattern("[[:digit:][:letter:]]*"),
            "names the unknown character class [:letter:]; use alnum, alpha, blank, cntrl, "
            "digit, graph, lower, print, punct, space, upper or xdigit");
}

TEST(FilePatternTest, ComparesBytesOutsideAscii) {
  EXPECT_TRUE(matchesFilePattern("données_*.csv", "données_2026.csv"));
  EXPECT_FALSE(matchesFilePattern("données_*.csv", "DONNÉES_2026.csv"));
  EXPECT_TRUE(matchesFilePattern("DONN?*.csv", "DONNÉES_2026.csv"));
}

// Builds a pattern from pieces whose meaning is the same in fnmatch(3) and in the product.
std::string randomPattern(std::mt19937& random) {
  static const std::vector<std::string> kPieces = {"a",
                                                   "b",
                                                   "B",
                                                   ".",
                                                   "-",
                                                   "_",
                                                   "*",
                                                   "**",
                                                   "?",
                                                   "[ab]",
                                                   "[!a]",
                                                   "[a-c]",
                                                   "[A-C]",
                                                   "[^b.]",
                                                   "[]a]",
                                                   "\\*",
                                                   "\\?",
                                                   "\\[",
                                                   "[",
                                                   "\\",
                                                   "7",
                                                   "\xc3\xa9",
                                                   "[\xc3\xa9-\xc3\xbf]",
                                                   "[[]",
                                                   "[[:digit:]]",
                                                   "[[:upper:]]",
                                                   "[![:alpha:]]",
                                                   "[[:punct:]a]",
                                                   "[[.-.]]",
                                                   "[[=b=]]",
                                                   "[[=",
                                                   "[=b=]-",
                                                   "[[:Alpha:]]",
                                                   "[[.",
                                                   "[x[.]",
                                                   "[:a:]"};
  std::uniform_int_distribution<std::size_t> count(0, 6);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  std::string pattern;
  for (std::size_t i = count(random); i > 0; --i) {
    pattern += kPieces[piece(random)];
  }
  return pattern;
}

std::string randomName(std::mt19937& random) {
  static const std::string kLetters = "aAbBcC7.-_*?[]\\\xc3\xa9\xff";
  std::uniform_int_distribution<std::size_t> length(0, 8);
  std::uniform_int_distribution<std::size_t> letter(0, kLetters.size() - 1);
  std::string name;
  for (std::size_t i = length(random); i > 0; --i) {
    name += kLetters[letter(random)];
  }
  return name;
}

TEST(FilePatternTest, AgreesWithFnmatchOnRandomPatterns) {
  std::mt19937 random(20261204);
  int compared = 0;
  int matches = 0;
  for (int i = 0; i < 1000000; ++i) {
    std::string pattern = randomPattern(random);
    if (!checkFilePattern(pattern).empty()) {
      continue;  // refused at load, so never matched
    }
    std::string name = randomName(random);
    bool expected = ::fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0;
    ASSERT_EQ(matchesFilePattern(pattern, name), expected)
        << "pattern \"" << pattern << "\" name \"" << name << "\"";
    ++compared;
    matches += expected ? 1 : 0;
  }
  // Enough patterns, and of both results, for the comparison to mean something.
  EXPECT_GT(compared, 300000);
  EXPECT_GT(matches, 10000);
  EXPECT_LT(matches, compared - 10000);
}

}  // namespace
}  // namespace alur
