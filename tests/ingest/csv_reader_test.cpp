#include "ingest/csv_reader.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace alur::ingest {
namespace {

using Record = std::vector<std::string>;
using Records = std::vector<Record>;
using Numbers = std::vector<std::uint64_t>;

constexpr std::size_t kChunk = CsvReader::kChunkSize;

struct ReadOutcome {
  Records records;
  Numbers lines;    // recordLine() after each record
  Numbers offsets;  // recordOffset() after each record
  Status status;    // the error that stopped reading, or Ok at the end of the input
  Encoding encoding = Encoding::kAuto;
};

ReadOutcome readStream(std::istream& in, CsvOptions options) {
  CsvReader reader(in, options);
  ReadOutcome outcome;
  Record fields;
  while (true) {
    Result<bool> next = reader.next(fields);
    if (!next.ok()) {
      outcome.status = next.status();
      break;
    }
    if (!*next) {
      break;
    }
    outcome.records.push_back(fields);
    outcome.lines.push_back(reader.recordLine());
    outcome.offsets.push_back(reader.recordOffset());
  }
  outcome.encoding = reader.encoding();
  return outcome;
}

ReadOutcome readAll(const std::string& input, CsvOptions options = {}) {
  std::istringstream in(input);
  return readStream(in, options);
}

CsvOptions withEncoding(Encoding encoding) {
  CsvOptions options;
  options.encoding = encoding;
  return options;
}

// Passes when `text` contains `part`; on failure, prints both.
::testing::AssertionResult containsText(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// Generates a Windows-1252 export of `count` records on demand, so that the whole input never
// exists in memory at once. Record n (from 0) is on line n + 1.
class GeneratedExport : public std::streambuf {
 public:
  explicit GeneratedExport(int count) : count_(count) {}

  static std::string line(int n) {
    return "LOT" + std::to_string(n) + ";\"Dupont; Ren\xE9\";12 rue de la Paix;" +
           std::to_string(n % 1000) + ",50;\r\n";
  }

 protected:
  int_type underflow() override {
    if (next_ == count_) {
      return traits_type::eof();
    }
    buffer_ = line(next_++);
    setg(buffer_.data(), buffer_.data(), buffer_.data() + buffer_.size());
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  int count_;
  int next_ = 0;
  std::string buffer_;
};

// A stream buffer whose device fails after the first bytes.
class FailingDevice : public std::streambuf {
 protected:
  int_type underflow() override {
    if (served_) {
      throw std::runtime_error("device error");
    }
    served_ = true;
    setg(data_, data_, data_ + 4);
    return traits_type::to_int_type(data_[0]);
  }

 private:
  char data_[4] = {'a', ';', 'b', '\n'};
  bool served_ = false;
};

TEST(CsvReaderTest, SplitsFieldsOnSeparator) {
  ReadOutcome outcome = readAll("a;b;c\n1;2;3\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(outcome.lines, (Numbers{1, 2}));
  EXPECT_EQ(outcome.offsets, (Numbers{0, 6}));
}

TEST(CsvReaderTest, UsesConfiguredSeparatorAndQuote) {
  CsvOptions options;
  options.separator = ',';
  options.quote = '\'';
  ReadOutcome outcome = readAll("a,'b,c',d;e\n", options);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b,c", "d;e"}}));
}

TEST(CsvReaderTest, KeepsSeparatorInsideQuotes) {
  ReadOutcome outcome = readAll("\"a;b\";c\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a;b", "c"}}));
}

TEST(CsvReaderTest, KeepsLineBreaksInsideQuotes) {
  ReadOutcome outcome = readAll("\"line 1\nline 2\";x\nnext;y\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"line 1\nline 2", "x"}, {"next", "y"}}));
  EXPECT_EQ(outcome.lines, (Numbers{1, 3}));
  EXPECT_EQ(outcome.offsets, (Numbers{0, 18}));
}

TEST(CsvReaderTest, KeepsCrLfInsideQuotes) {
  ReadOutcome outcome = readAll("\"a\r\nb\";c\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a\r\nb", "c"}}));
}

TEST(CsvReaderTest, CountsEveryLineBreakInsideQuotes) {
  // The quoted field contains a CR LF, a lone CR and an LF: three physical line breaks.
  ReadOutcome outcome = readAll("\"a\r\nb\rc\nd\";x\r\nnext\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a\r\nb\rc\nd", "x"}, {"next"}}));
  EXPECT_EQ(outcome.lines, (Numbers{1, 5}));
}

TEST(CsvReaderTest, UnescapesDoubledQuotes) {
  ReadOutcome outcome = readAll("\"say \"\"hi\"\"\";\"\"\"\"\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"say \"hi\"", "\""}}));
}

TEST(CsvReaderTest, ReadsQuotedEmptyField) {
  ReadOutcome outcome = readAll("\"\";a;\"\"\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"", "a", ""}}));
}

TEST(CsvReaderTest, ReadsMixedCrLfAndLf) {
  ReadOutcome outcome = readAll("a\r\nb\nc\r\nd\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a"}, {"b"}, {"c"}, {"d"}}));
  EXPECT_EQ(outcome.lines, (Numbers{1, 2, 3, 4}));
  EXPECT_EQ(outcome.offsets, (Numbers{0, 3, 5, 8}));
}

TEST(CsvReaderTest, TreatsLoneCrAsLineBreak) {
  ReadOutcome outcome = readAll("a;1\rb;2\rc;3");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(outcome.lines, (Numbers{1, 2, 3}));
}

TEST(CsvReaderTest, ReadsLastRecordWithoutNewline) {
  ReadOutcome outcome = readAll("a;b\nc;d");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b"}, {"c", "d"}}));
}

TEST(CsvReaderTest, ReadsQuotedLastFieldWithoutNewline) {
  ReadOutcome outcome = readAll("a;\"b\"");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b"}}));
}

TEST(CsvReaderTest, KeepsTrailingEmptyFields) {
  ReadOutcome outcome = readAll("a;b;;\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b", "", ""}}));
}

TEST(CsvReaderTest, KeepsTrailingEmptyFieldWithoutNewline) {
  ReadOutcome outcome = readAll("a;b;");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b", ""}}));
}

TEST(CsvReaderTest, ReadsLineOfOnlySeparators) {
  ReadOutcome outcome = readAll(";;\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"", "", ""}}));
}

TEST(CsvReaderTest, StripsBomBeforeQuotedHeader) {
  ReadOutcome outcome = readAll("\xEF\xBB\xBF\"col1\";\"col2\"\r\n1;2\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"col1", "col2"}, {"1", "2"}}));
  EXPECT_EQ(outcome.encoding, Encoding::kUtf8);
}

TEST(CsvReaderTest, RecordOffsetsCountBom) {
  ReadOutcome outcome = readAll("\xEF\xBB\xBF\"col1\";\"col2\"\r\n1;2\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.offsets, (Numbers{3, 18}));
}

TEST(CsvReaderTest, SkipsBlankLines) {
  ReadOutcome outcome = readAll("\na\n\n\r\n\rb\n\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a"}, {"b"}}));
  EXPECT_EQ(outcome.lines, (Numbers{2, 6}));
  EXPECT_EQ(outcome.offsets, (Numbers{1, 7}));
}

TEST(CsvReaderTest, KeepsSpacesAroundFields) {
  ReadOutcome outcome = readAll(" a ; b \n   \n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{" a ", " b "}, {"   "}}));
}

TEST(CsvReaderTest, KeepsQuoteInsideUnquotedField) {
  ReadOutcome outcome = readAll("12\" TV;x\"y\"\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"12\" TV", "x\"y\""}}));
}

TEST(CsvReaderTest, AppendsTextAfterClosingQuote) {
  ReadOutcome outcome = readAll("\"abc\"def;x\n\"a\" b\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"abcdef", "x"}, {"a b"}}));
}

TEST(CsvReaderTest, RejectsUnterminatedQuote) {
  ReadOutcome outcome = readAll("a;b\nc;\"open\nmore\n");
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "unterminated quoted field"));
  EXPECT_TRUE(containsText(outcome.status.message(), "line 2 (byte offset 6)"));
  EXPECT_EQ(outcome.records, (Records{{"a", "b"}}));
}

TEST(CsvReaderTest, ReturnsErrorAgainAfterFailure) {
  std::istringstream in("\"open");
  CsvReader reader(in, CsvOptions{});
  Record fields;
  Result<bool> first = reader.next(fields);
  Result<bool> second = reader.next(fields);
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.message(), first.message());
}

TEST(CsvReaderTest, ReturnsFalseAtEndRepeatedly) {
  std::istringstream in("a\n");
  CsvReader reader(in, CsvOptions{});
  Record fields;
  Result<bool> first = reader.next(fields);
  Result<bool> second = reader.next(fields);
  Result<bool> third = reader.next(fields);
  ASSERT_TRUE(first.ok()) << first.message();
  ASSERT_TRUE(second.ok()) << second.message();
  ASSERT_TRUE(third.ok()) << third.message();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_FALSE(*third);
}

TEST(CsvReaderTest, ReadsEmptyInput) {
  ReadOutcome outcome = readAll("");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_TRUE(outcome.records.empty());
}

TEST(CsvReaderTest, ReadsInputOfOnlyBlankLines) {
  ReadOutcome outcome = readAll("\r\n\n\r");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_TRUE(outcome.records.empty());
}

TEST(CsvReaderTest, ShrinksFieldsToRecordSize) {
  std::istringstream in("a;b;c;d\ne;f\n");
  CsvReader reader(in, CsvOptions{});
  Record fields;
  ASSERT_TRUE(reader.next(fields).ok());
  ASSERT_TRUE(reader.next(fields).ok());
  EXPECT_EQ(fields, (Record{"e", "f"}));
}

TEST(CsvReaderTest, RecordOffsetsCountWindows1252Bytes) {
  // Each é is one byte in the file but two in the decoded text.
  ReadOutcome outcome = readAll("\xE9t\xE9;x\r\nb\r\n", withEncoding(Encoding::kWindows1252));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"été", "x"}, {"b"}}));
  EXPECT_EQ(outcome.offsets, (Numbers{0, 7}));
}

TEST(CsvReaderTest, RecordOffsetsCountUtf8Bytes) {
  ReadOutcome outcome = readAll("été;x\r\nb\r\n", withEncoding(Encoding::kUtf8));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.offsets, (Numbers{0, 9}));
}

TEST(CsvReaderTest, AcceptsRecordOfMaxSize) {
  CsvOptions options;
  options.max_record_bytes = 10;
  ReadOutcome outcome = readAll("0123;56789\r\nabc\r\n", options);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records.size(), 2u);
}

TEST(CsvReaderTest, RejectsRecordLongerThanMax) {
  CsvOptions options;
  options.max_record_bytes = 10;
  ReadOutcome outcome = readAll("abc\r\n0123;567890\r\n", options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "line 2 (byte offset 5)"));
  EXPECT_TRUE(containsText(outcome.status.message(), "maximum of 10 bytes"));
  EXPECT_EQ(outcome.records, (Records{{"abc"}}));
}

TEST(CsvReaderTest, RejectsLongLastRecord) {
  CsvOptions options;
  options.max_record_bytes = 10;
  ReadOutcome outcome = readAll("0123;567890", options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "line 1 (byte offset 0)"));
}

TEST(CsvReaderTest, RecordSizeErrorNamesOpenQuote) {
  // A quote that is never closed swallows the rest of the file, which hits the cap first.
  CsvOptions options;
  options.max_record_bytes = 1000;
  const std::string input = "a;b\r\nc;\"runaway\r\n" + std::string(3 * kChunk, 'z');
  ReadOutcome outcome = readAll(input, options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "record at line 2 (byte offset 5)"));
  EXPECT_TRUE(containsText(outcome.status.message(), "quoted field that begins at line 2"));
}

TEST(CsvReaderTest, StopsRunawayRecordEarly) {
  CsvOptions options;
  options.max_record_bytes = 2 * kChunk;
  const std::string input(20 * kChunk, 'z');
  std::istringstream in(input);
  ReadOutcome outcome = readStream(in, options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "record at line 1 (byte offset 0)"));
  EXPECT_LT(static_cast<std::size_t>(in.tellg()), input.size());
}

TEST(CsvReaderTest, ReadsRecordsAcrossChunkBoundary) {
  // The chunk boundary falls on each byte of `tail` in turn: the first record's CR LF, a quote,
  // a doubled quote, a separator and a line break inside quotes.
  const std::string tail = "\r\nabc;\"d;e\"\"f\r\ng\";h\r\nlast\r\n";
  for (std::size_t split = 0; split <= tail.size(); ++split) {
    SCOPED_TRACE("chunk boundary at tail byte " + std::to_string(split));
    const std::string first(kChunk - split, 'x');
    ReadOutcome outcome = readAll(first + tail);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.records, (Records{{first}, {"abc", "d;e\"f\r\ng", "h"}, {"last"}}));
    EXPECT_EQ(outcome.lines, (Numbers{1, 2, 4}));
    EXPECT_EQ(outcome.offsets, (Numbers{0, first.size() + 2, first.size() + 21}));
  }
}

TEST(CsvReaderTest, ReadsQuotedFieldLongerThanChunk) {
  std::string value;
  for (int i = 0; value.size() < 3 * kChunk; ++i) {
    value += "part " + std::to_string(i) + "; \"quoted\"\r\n";
  }
  std::string escaped;
  for (char c : value) {
    escaped += c;
    if (c == '"') {
      escaped += '"';
    }
  }
  ReadOutcome outcome = readAll("id;\"" + escaped + "\";end\r\nnext\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 2u);
  EXPECT_EQ(outcome.records[0], (Record{"id", value, "end"}));
  EXPECT_EQ(outcome.records[1], (Record{"next"}));
  const auto line_breaks = static_cast<std::uint64_t>(std::count(value.begin(), value.end(), '\n'));
  EXPECT_EQ(outcome.lines[1], 2 + line_breaks);
}

TEST(CsvReaderTest, ReadsUtf8CharacterSplitAcrossChunkBoundary) {
  const std::string characters = "é€\xF0\x9F\x8F\xA0";  // 2, 3 and 4 bytes long
  for (Encoding encoding : {Encoding::kAuto, Encoding::kUtf8}) {
    for (std::size_t split = 1; split < characters.size(); ++split) {
      SCOPED_TRACE(encodingName(encoding) + ", chunk boundary at byte " + std::to_string(split));
      const std::string prefix(kChunk - split, 'a');
      ReadOutcome outcome = readAll(prefix + characters + ";x\n", withEncoding(encoding));
      ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
      EXPECT_EQ(outcome.records, (Records{{prefix + characters, "x"}}));
      EXPECT_EQ(outcome.encoding, Encoding::kUtf8);
    }
  }
}

TEST(CsvReaderTest, ReportsInvalidUtf8Byte) {
  ReadOutcome outcome = readAll("a;b\nc;d\ne;caf\xE9\n", withEncoding(Encoding::kUtf8));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(
      containsText(outcome.status.message(), "invalid UTF-8 byte 0xE9 at byte offset 13 (line 3)"));
  EXPECT_TRUE(containsText(outcome.status.message(), "set the profile's encoding"));
}

TEST(CsvReaderTest, ReportsUndefinedWindows1252Byte) {
  ReadOutcome outcome = readAll("a;b\r\nc;\x81\r\n", withEncoding(Encoding::kWindows1252));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(),
                           "invalid Windows-1252 byte 0x81 at byte offset 7 (line 2)"));
}

TEST(CsvReaderTest, ReportsIso8859_15ControlByte) {
  ReadOutcome outcome = readAll("a;b\r\nc;\x80\r\n", withEncoding(Encoding::kIso8859_15));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(),
                           "invalid ISO-8859-15 byte 0x80 at byte offset 7 (line 2)"));
}

TEST(CsvReaderTest, ReportsUtf8SequenceCutAtEndOfFile) {
  ReadOutcome outcome = readAll("a;b\nc;\xE2\x82", withEncoding(Encoding::kUtf8));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(
      containsText(outcome.status.message(), "invalid UTF-8 byte 0xE2 at byte offset 6 (line 2)"));
}

TEST(CsvReaderTest, KeepsDetectedUtf8ForLaterChunks) {
  // The first chunk is ASCII, so detection picks UTF-8, and a Windows-1252 byte later on is an
  // error rather than a new guess.
  std::string input;
  while (input.size() < 2 * kChunk) {
    input += "LOT1;Dupont;12 rue de la Paix\r\n";
  }
  const std::uint64_t line = 1 + input.size() / 31;
  const std::uint64_t offset = input.size() + 8;
  input += "LOT2;Ren\xE9\r\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.encoding, Encoding::kUtf8);
  EXPECT_TRUE(containsText(outcome.status.message(), "invalid UTF-8 byte 0xE9 at byte offset " +
                                                         std::to_string(offset) + " (line " +
                                                         std::to_string(line) + ")"));
}

TEST(CsvReaderTest, DetectsWindows1252Automatically) {
  ReadOutcome outcome = readAll(
      "R\xE9"
      "f lot;Loyer\r\nA1;500\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.encoding, Encoding::kWindows1252);
  EXPECT_EQ(outcome.records, (Records{{"Réf lot", "Loyer"}, {"A1", "500"}}));
}

TEST(CsvReaderTest, DetectsUtf8Automatically) {
  ReadOutcome outcome = readAll("Réf lot;Loyer\r\n");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.encoding, Encoding::kUtf8);
  EXPECT_EQ(outcome.records, (Records{{"Réf lot", "Loyer"}}));
}

TEST(CsvReaderTest, DetectsWindows1252WhenFileEndsAtChunkEnd) {
  // 0xE9 could start a UTF-8 sequence cut by the chunk's end, unless the file ends there too.
  const std::string prefix(kChunk - 1, 'a');
  ReadOutcome outcome = readAll(prefix + "\xE9");
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.encoding, Encoding::kWindows1252);
  EXPECT_EQ(outcome.records, (Records{{prefix + "é"}}));
}

TEST(CsvReaderTest, DecodesEuroInEachEncoding) {
  const std::vector<std::pair<Encoding, std::string>> cases = {
      {Encoding::kUtf8, "prix;12 \xE2\x82\xAC\n"},
      {Encoding::kWindows1252, "prix;12 \x80\n"},
      {Encoding::kIso8859_15, "prix;12 \xA4\n"},
  };
  for (const auto& [encoding, input] : cases) {
    SCOPED_TRACE(encodingName(encoding));
    ReadOutcome outcome = readAll(input, withEncoding(encoding));
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.records, (Records{{"prix", "12 €"}}));
  }
}

TEST(CsvReaderTest, RejectsUtf16File) {
  ReadOutcome outcome =
      readAll(std::string("\xFF\xFE"
                          "a\0;\0",
                          6));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "UTF-16"));
  EXPECT_TRUE(containsText(outcome.status.message(), "byte offset 0 (line 1)"));
}

TEST(CsvReaderTest, RejectsInvalidOptions) {
  CsvOptions line_break_separator;
  line_break_separator.separator = '\n';
  CsvOptions same_quote_and_separator;
  same_quote_and_separator.quote = ';';
  CsvOptions non_ascii_separator;
  non_ascii_separator.separator = '\xA7';
  CsvOptions zero_max_record_bytes;
  zero_max_record_bytes.max_record_bytes = 0;
  for (const CsvOptions& options : {line_break_separator, same_quote_and_separator,
                                    non_ascii_separator, zero_max_record_bytes}) {
    ReadOutcome outcome = readAll("a;b\n", options);
    ASSERT_FALSE(outcome.status.ok());
    EXPECT_TRUE(containsText(outcome.status.message(), "invalid CSV options"));
  }
}

TEST(CsvReaderTest, ReportsStreamInFailedState) {
  std::ifstream in("/nonexistent/export.csv", std::ios::binary);
  ReadOutcome outcome = readStream(in, CsvOptions{});
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "failed to read the input"));
}

TEST(CsvReaderTest, ReportsDeviceError) {
  FailingDevice device;
  std::istream in(&device);
  ReadOutcome outcome = readStream(in, CsvOptions{});
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "I/O error"));
}

TEST(CsvReaderTest, ReadsStreamWithExceptionsEnabled) {
  std::istringstream in("a;b\nc;d\n");
  in.exceptions(std::ios::failbit | std::ios::badbit);
  ReadOutcome outcome = readStream(in, CsvOptions{});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.records, (Records{{"a", "b"}, {"c", "d"}}));
}

TEST(CsvReaderTest, StreamsLargeGeneratedInput) {
  constexpr int kRecords = 200'000;
  GeneratedExport generated(kRecords);
  std::istream in(&generated);
  CsvReader reader(in, CsvOptions{});
  Record fields;
  int count = 0;
  std::uint64_t expected_offset = 0;
  bool fields_match = true;
  bool positions_match = true;
  while (true) {
    Result<bool> next = reader.next(fields);
    ASSERT_TRUE(next.ok()) << next.message();
    if (!*next) {
      break;
    }
    fields_match = fields_match && fields.size() == 5 && fields[1] == "Dupont; René" &&
                   fields[0] == "LOT" + std::to_string(count);
    positions_match = positions_match &&
                      reader.recordLine() == static_cast<std::uint64_t>(count) + 1 &&
                      reader.recordOffset() == expected_offset;
    expected_offset += GeneratedExport::line(count).size();
    ++count;
  }
  EXPECT_EQ(count, kRecords);
  EXPECT_TRUE(fields_match);
  EXPECT_TRUE(positions_match);
  EXPECT_EQ(reader.encoding(), Encoding::kWindows1252);
}

TEST(CsvReaderTest, ReadsSampleExport) {
  std::ifstream in(ALUR_SOURCE_DIR "/tests/data/export-A-day1.csv", std::ios::binary);
  ASSERT_TRUE(in.is_open());
  CsvReader reader(in, CsvOptions{});
  Record header;
  Result<bool> first = reader.next(header);
  ASSERT_TRUE(first.ok()) << first.message();
  ASSERT_TRUE(*first);
  EXPECT_EQ(reader.encoding(), Encoding::kWindows1252);
  ASSERT_FALSE(header.empty());
  EXPECT_EQ(header[0], "Réf lot");
  EXPECT_EQ(header.size(), 24u);

  int records = 1;
  bool all_have_24_fields = true;
  Record fields;
  while (true) {
    Result<bool> next = reader.next(fields);
    ASSERT_TRUE(next.ok()) << next.message();
    if (!*next) {
      break;
    }
    ++records;
    all_have_24_fields = all_have_24_fields && fields.size() == 24;
  }
  EXPECT_EQ(records, 301);
  EXPECT_TRUE(all_have_24_fields);
  EXPECT_EQ(reader.recordLine(), 301u);
}

}  // namespace
}  // namespace alur::ingest
