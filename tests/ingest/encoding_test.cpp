#include "ingest/encoding.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace alur::ingest {
namespace {

// Passes when `text` contains `part`; on failure, prints both.
::testing::AssertionResult containsText(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

constexpr std::string_view kEuroUtf8 = "\xE2\x82\xAC";

// Decodes `bytes` through one Utf8Decoder in pieces of `piece_size` bytes, then finishes.
Result<std::string> decodeInPieces(std::string_view bytes, Encoding encoding,
                                   std::size_t piece_size) {
  Utf8Decoder decoder(encoding);
  std::string text;
  for (std::size_t start = 0; start < bytes.size(); start += piece_size) {
    Status status = decoder.decode(bytes.substr(start, piece_size), text);
    if (!status.ok()) {
      return status;
    }
  }
  Status status = decoder.finish();
  if (!status.ok()) {
    return status;
  }
  return text;
}

TEST(EncodingTest, NamesEachEncoding) {
  EXPECT_EQ(encodingName(Encoding::kAuto), "auto");
  EXPECT_EQ(encodingName(Encoding::kUtf8), "utf-8");
  EXPECT_EQ(encodingName(Encoding::kWindows1252), "windows-1252");
  EXPECT_EQ(encodingName(Encoding::kIso8859_15), "iso-8859-15");
}

TEST(EncodingTest, ParsesNamesAndAliases) {
  const std::vector<std::pair<std::string, Encoding>> cases = {
      {"auto", Encoding::kAuto},
      {"utf-8", Encoding::kUtf8},
      {"windows-1252", Encoding::kWindows1252},
      {"cp1252", Encoding::kWindows1252},
      {"iso-8859-15", Encoding::kIso8859_15},
      {"latin-9", Encoding::kIso8859_15},
      {"UTF-8", Encoding::kUtf8},
      {"Windows-1252", Encoding::kWindows1252},
  };
  for (const auto& [name, expected] : cases) {
    Result<Encoding> parsed = parseEncoding(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.message();
    EXPECT_EQ(*parsed, expected) << name;
  }
}

TEST(EncodingTest, ParseRoundTripsNames) {
  for (Encoding encoding :
       {Encoding::kAuto, Encoding::kUtf8, Encoding::kWindows1252, Encoding::kIso8859_15}) {
    Result<Encoding> parsed = parseEncoding(encodingName(encoding));
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    EXPECT_EQ(*parsed, encoding);
  }
}

TEST(EncodingTest, RejectsUnknownName) {
  Result<Encoding> parsed = parseEncoding("latin1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(containsText(parsed.message(), "\"latin1\""));
  EXPECT_TRUE(containsText(parsed.message(), "windows-1252"));
}

TEST(EncodingTest, DecodesEuroInEachEncoding) {
  Result<std::string> from_utf8 = decodeToUtf8("\xE2\x82\xAC", Encoding::kUtf8);
  Result<std::string> from_windows1252 = decodeToUtf8("\x80", Encoding::kWindows1252);
  Result<std::string> from_iso8859_15 = decodeToUtf8("\xA4", Encoding::kIso8859_15);
  ASSERT_TRUE(from_utf8.ok()) << from_utf8.message();
  ASSERT_TRUE(from_windows1252.ok()) << from_windows1252.message();
  ASSERT_TRUE(from_iso8859_15.ok()) << from_iso8859_15.message();
  EXPECT_EQ(*from_utf8, kEuroUtf8);
  EXPECT_EQ(*from_windows1252, kEuroUtf8);
  EXPECT_EQ(*from_iso8859_15, kEuroUtf8);
}

TEST(EncodingTest, DecodesWindows1252Characters) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\x8A", "Š"},
      {"\x8C", "Œ"},
      {"\x92", "’"},
      {"\x96", "–"},
      {"\x9C", "œ"},
      {"\x9F", "Ÿ"},
      {"\xA0", "\u00A0"},
      {"\xB0", "°"},
      {"\xE9", "é"},
      {"\xFF", "ÿ"},
      {"\x41", "A"},
      {"R\xE9"
       "f lot",
       "Réf lot"},
  };
  for (const auto& [input, expected] : cases) {
    Result<std::string> text = decodeToUtf8(input, Encoding::kWindows1252);
    ASSERT_TRUE(text.ok()) << text.message();
    EXPECT_EQ(*text, expected);
  }
}

TEST(EncodingTest, RejectsUndefinedWindows1252Bytes) {
  for (const char* byte : {"\x81", "\x8D", "\x8F", "\x90", "\x9D"}) {
    Result<std::string> text = decodeToUtf8(byte, Encoding::kWindows1252);
    ASSERT_FALSE(text.ok()) << "byte " << static_cast<int>(static_cast<unsigned char>(byte[0]));
    EXPECT_TRUE(containsText(text.message(), "invalid Windows-1252 byte 0x"));
  }
}

TEST(EncodingTest, Windows1252ErrorNamesByteOffsetAndLine) {
  Result<std::string> text = decodeToUtf8("ab\r\ncd\x81", Encoding::kWindows1252);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "invalid Windows-1252 byte 0x81"));
  EXPECT_TRUE(containsText(text.message(), "byte offset 6"));
  EXPECT_TRUE(containsText(text.message(), "(line 2)"));
}

TEST(EncodingTest, DecodesIso8859_15Replacements) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xA4", "€"}, {"\xA6", "Š"}, {"\xA8", "š"}, {"\xB4", "Ž"}, {"\xB8", "ž"},
      {"\xBC", "Œ"}, {"\xBD", "œ"}, {"\xBE", "Ÿ"}, {"\xA3", "£"}, {"\xE9", "é"},
  };
  for (const auto& [input, expected] : cases) {
    Result<std::string> text = decodeToUtf8(input, Encoding::kIso8859_15);
    ASSERT_TRUE(text.ok()) << text.message();
    EXPECT_EQ(*text, expected);
  }
}

TEST(EncodingTest, RejectsC1ControlsInIso8859_15) {
  for (const char* byte : {"\x80", "\x85", "\x9F"}) {
    Result<std::string> text = decodeToUtf8(byte, Encoding::kIso8859_15);
    ASSERT_FALSE(text.ok());
    EXPECT_TRUE(containsText(text.message(), "invalid ISO-8859-15 byte 0x"));
    EXPECT_TRUE(containsText(text.message(), "windows-1252"));
  }
}

TEST(EncodingTest, Iso8859_15ErrorNamesByteOffsetAndLine) {
  Result<std::string> text = decodeToUtf8("a\nb\nprix 10\x80", Encoding::kIso8859_15);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "invalid ISO-8859-15 byte 0x80"));
  EXPECT_TRUE(containsText(text.message(), "byte offset 11"));
  EXPECT_TRUE(containsText(text.message(), "(line 3)"));
}

TEST(EncodingTest, AcceptsValidUtf8) {
  const std::vector<std::string> valid = {
      "",
      "plain ASCII",
      "Réf lot",
      "\xE2\x82\xAC",      // U+20AC
      "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
      "\xEE\x80\x80",      // U+E000, just above the surrogates
      "\xEF\xBF\xBF",      // U+FFFF
      "\xF0\x90\x80\x80",  // U+10000
      "\xF4\x8F\xBF\xBF",  // U+10FFFF
  };
  for (const std::string& text : valid) {
    EXPECT_TRUE(isValidUtf8(text)) << text;
  }
}

TEST(EncodingTest, RejectsMalformedUtf8) {
  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"\xC0\xAF", "overlong 2-byte form"},
      {"\xC1\xBF", "overlong 2-byte form"},
      {"\xE0\x80\xAF", "overlong 3-byte form"},
      {"\xF0\x80\x80\xAF", "overlong 4-byte form"},
      {"\xED\xA0\x80", "surrogate U+D800"},
      {"\xED\xBF\xBF", "surrogate U+DFFF"},
      {"\xF4\x90\x80\x80", "above U+10FFFF"},
      {"\xF5\x80\x80\x80", "lead byte above 0xF4"},
      {"\xFF", "byte 0xFF"},
      {"\x80", "stray continuation byte"},
      {"\xC3", "truncated 2-byte sequence"},
      {"\xE2\x82", "truncated 3-byte sequence"},
      {"caf\xE9 noir", "Windows-1252 e acute"},
  };
  for (const auto& [text, reason] : invalid) {
    EXPECT_FALSE(isValidUtf8(text)) << reason;
    EXPECT_FALSE(decodeToUtf8(text, Encoding::kUtf8).ok()) << reason;
  }
}

TEST(EncodingTest, Utf8ErrorNamesByteOffsetAndLine) {
  Result<std::string> text = decodeToUtf8("abc\r\ndef\nx\xE9y", Encoding::kUtf8);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "invalid UTF-8 byte 0xE9 at byte offset 10 (line 3)"));
  EXPECT_TRUE(containsText(text.message(), "windows-1252 or iso-8859-15"));
}

TEST(EncodingTest, Utf8ErrorOffsetCountsBom) {
  Result<std::string> text = decodeToUtf8(
      "\xEF\xBB\xBF"
      "ab\xFF",
      Encoding::kUtf8);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "byte 0xFF at byte offset 5 (line 1)"));
}

TEST(EncodingTest, Utf8ErrorNamesSequenceCutAtEnd) {
  Result<std::string> text = decodeToUtf8("a\nb\xE2\x82", Encoding::kUtf8);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "invalid UTF-8 byte 0xE2 at byte offset 3 (line 2)"));
  EXPECT_TRUE(containsText(text.message(), "ends inside a multi-byte sequence"));
}

TEST(EncodingTest, CountsCrLfAndLoneCrAsLines) {
  Result<std::string> text = decodeToUtf8("a\r\nb\rc\n\nd\xFF", Encoding::kUtf8);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "(line 5)"));
}

TEST(EncodingTest, StripsUtf8Bom) {
  Result<std::string> text = decodeToUtf8("\xEF\xBB\xBF\"col1\"", Encoding::kUtf8);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "\"col1\"");
}

TEST(EncodingTest, KeepsBomAfterStart) {
  Result<std::string> text = decodeToUtf8("a\xEF\xBB\xBF", Encoding::kUtf8);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "a\xEF\xBB\xBF");
}

TEST(EncodingTest, DecoderReportsDroppedBom) {
  Utf8Decoder with_bom(Encoding::kUtf8);
  Utf8Decoder without_bom(Encoding::kUtf8);
  std::string text;
  ASSERT_TRUE(with_bom.decode("\xEF\xBB\xBFx", text).ok());
  ASSERT_TRUE(without_bom.decode("x", text).ok());
  EXPECT_EQ(with_bom.droppedBomBytes(), 3u);
  EXPECT_EQ(without_bom.droppedBomBytes(), 0u);
}

TEST(EncodingTest, DecoderJoinsSequenceSplitAcrossChunks) {
  Utf8Decoder decoder(Encoding::kUtf8);
  std::string text;
  ASSERT_TRUE(decoder.decode("caf\xC3", text).ok());
  EXPECT_EQ(text, "caf");
  ASSERT_TRUE(decoder.decode("\xA9 noir", text).ok());
  EXPECT_EQ(text, "café noir");
  EXPECT_TRUE(decoder.finish().ok());
}

TEST(EncodingTest, DecoderHandlesOneByteChunks) {
  const std::string input =
      "\xEF\xBB\xBF"
      "a€b\xF0\x9F\x8F\xA0"
      "c\r\né";
  Result<std::string> text = decodeInPieces(input, Encoding::kUtf8, 1);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text,
            "a€b\xF0\x9F\x8F\xA0"
            "c\r\né");
}

TEST(EncodingTest, DecoderRejectsSequenceBrokenAcrossChunks) {
  Result<std::string> text = decodeInPieces(
      "ab\n\xE2\x82"
      "A",
      Encoding::kUtf8, 4);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "invalid UTF-8 byte 0xE2 at byte offset 3 (line 2)"));
}

TEST(EncodingTest, DecoderErrorOffsetCountsEarlierChunks) {
  Result<std::string> text = decodeInPieces("ab\ncd\nef\x81", Encoding::kWindows1252, 3);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "byte 0x81 at byte offset 8 (line 3)"));
}

TEST(EncodingTest, DecoderCountsCrLfSplitAcrossChunks) {
  Result<std::string> text = decodeInPieces("a\r\nb\xFF", Encoding::kUtf8, 2);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(containsText(text.message(), "(line 2)"));
}

TEST(EncodingTest, DecoderReportsSequenceCutAtEndOfStream) {
  Utf8Decoder decoder(Encoding::kUtf8);
  std::string text;
  ASSERT_TRUE(decoder.decode("ab\xE2\x82", text).ok());
  Status finished = decoder.finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_TRUE(containsText(finished.message(), "byte 0xE2 at byte offset 2 (line 1)"));
}

TEST(EncodingTest, DetectsUtf8FromBom) {
  EXPECT_EQ(detectEncoding("\xEF\xBB\xBF"
                           "a;b",
                           true),
            Encoding::kUtf8);
}

TEST(EncodingTest, DetectsUtf8FromValidText) {
  EXPECT_EQ(detectEncoding("Réf lot;N° mandat", true), Encoding::kUtf8);
}

TEST(EncodingTest, DetectsUtf8FromAsciiText) {
  EXPECT_EQ(detectEncoding("a;b\r\n", true), Encoding::kUtf8);
}

TEST(EncodingTest, DetectsWindows1252FromInvalidUtf8) {
  EXPECT_EQ(detectEncoding("R\xE9"
                           "f lot;N\xB0 mandat",
                           true),
            Encoding::kWindows1252);
}

TEST(EncodingTest, DetectionIgnoresSequenceCutAtHeadEnd) {
  EXPECT_EQ(detectEncoding("caf\xC3", /*complete=*/false), Encoding::kUtf8);
}

TEST(EncodingTest, DetectionCountsSequenceCutAtFileEnd) {
  EXPECT_EQ(detectEncoding("caf\xC3", /*complete=*/true), Encoding::kWindows1252);
}

TEST(EncodingTest, DetectsUtf16Bom) {
  EXPECT_TRUE(
      hasUtf16Bom("\xFF\xFE"
                  "a"));
  EXPECT_TRUE(
      hasUtf16Bom("\xFE\xFF"
                  "a"));
  EXPECT_FALSE(
      hasUtf16Bom("\xEF\xBB\xBF"
                  "a"));
  EXPECT_FALSE(hasUtf16Bom("\xFF"));
}

TEST(EncodingTest, DecodesWholeBufferWithAutoDetection) {
  Result<std::string> text = decodeToUtf8(
      "R\xE9"
      "f lot",
      Encoding::kAuto);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "Réf lot");
}

}  // namespace
}  // namespace alur::ingest
