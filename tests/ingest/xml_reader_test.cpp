#include "ingest/xml_reader.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.h"

namespace alur::ingest {
namespace {

namespace fs = std::filesystem;

using Fields = std::map<std::string, std::string>;
using Numbers = std::vector<std::uint64_t>;

constexpr std::size_t kChunk = XmlRecordReader::kChunkSize;
constexpr std::string_view kUtf8Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

struct ReadOutcome {
  std::vector<Fields> records;
  Numbers lines;                                  // recordLine() after each record
  Numbers offsets;                                // recordOffset() after each record
  std::vector<std::set<std::string>> duplicates;  // recordDuplicates() after each record
  Status status;  // the error that stopped reading, or Ok at the end of the document
};

ReadOutcome readStream(std::istream& in, XmlOptions options) {
  XmlRecordReader reader(in, std::move(options));
  ReadOutcome outcome;
  Fields fields;
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
    outcome.duplicates.push_back(reader.recordDuplicates());
  }
  return outcome;
}

XmlOptions leaseOptions() {
  XmlOptions options;
  options.record_path = "ExportBaux/Bail";
  return options;
}

ReadOutcome readAll(const std::string& input, XmlOptions options = leaseOptions()) {
  std::istringstream in(input);
  return readStream(in, std::move(options));
}

// Wraps `body` in an <ExportBaux> root after an XML declaration of `encoding`.
std::string exportDocument(const std::string& body, std::string_view encoding = "UTF-8") {
  return "<?xml version=\"1.0\" encoding=\"" + std::string(encoding) + "\"?>\n<ExportBaux>\n" +
         body + "</ExportBaux>\n";
}

// Passes when `text` contains `part`, and prints both otherwise.
::testing::AssertionResult containsText(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// Generates an export of `count` records on demand, so that the whole document never exists in
// memory at once. Record n (from 0) starts on line 3 + 3 n.
class GeneratedExport : public std::streambuf {
 public:
  explicit GeneratedExport(int count) : count_(count) {}

  static std::string record(int n) {
    return "  <Bail lot=\"LOT" + std::to_string(n) + "\">\n    <Locataire>Ren\xC3\xA9 " +
           std::to_string(n) + "</Locataire><Loyer hc=\"" + std::to_string(n % 1000) +
           ".50\"/>\n  </Bail>\n";
  }

 protected:
  int_type underflow() override {
    if (next_ > count_) {
      return traits_type::eof();
    }
    if (next_ == -1) {
      buffer_ = std::string(kUtf8Declaration) + "<ExportBaux>\n";
    } else if (next_ == count_) {
      buffer_ = "</ExportBaux>\n";
    } else {
      buffer_ = record(next_);
    }
    ++next_;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + buffer_.size());
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  int count_;
  int next_ = -1;  // -1 for the declaration and root start tag, count_ for the root end tag
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
    setg(data_.data(), data_.data(), data_.data() + data_.size());
    return traits_type::to_int_type(data_[0]);
  }

 private:
  std::string data_ = "<ExportBaux><Bail lot=\"A\"/>";
  bool served_ = false;
};

class XmlRecordReaderTest : public ::testing::Test {};

// tests/data/export-C-day1.xml is the output of `python3 tests/tools/gen_exports.py C
// tests/data/export-C-day1.xml --rows 300 --seed 1 --day 1 --today 2026-12-01`.
TEST_F(XmlRecordReaderTest, ReadsSampleExport) {
  const std::string bytes =
      testing::readFileBytes(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-C-day1.xml");
  ASSERT_FALSE(bytes.empty());

  ReadOutcome outcome = readAll(bytes);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 300u);
  const Fields& first = outcome.records[0];
  EXPECT_EQ(first.at("@lot"), "LOT100000");
  EXPECT_EQ(first.at("@reference"), "B2026000000");
  EXPECT_EQ(first.at("Adresse/@numero"), "152");
  EXPECT_EQ(first.at("Adresse/@nomVoie"), "Victor Hugo");
  EXPECT_EQ(first.at("Contrat/Loyer/@hc"), "822.81");
  EXPECT_EQ(first.at("Locataire"), "Gaël Hoarau");
  EXPECT_EQ(outcome.lines[0], 3u);
  EXPECT_EQ(outcome.lines[1], 11u);
  const std::size_t first_start = bytes.find("<Bail ");
  EXPECT_EQ(outcome.offsets[0], first_start);
  EXPECT_EQ(outcome.offsets[1], bytes.find("<Bail ", first_start + 1));
  EXPECT_TRUE(outcome.duplicates[0].empty());
}

TEST_F(XmlRecordReaderTest, ReadsAttributesAndNestedText) {
  ReadOutcome outcome = readAll(
      exportDocument("  <Bail lot=\"L1\">\n"
                     "    <Locataire>\n      Jean Dupont\n    </Locataire>\n"
                     "    <Note></Note>\n"
                     "    <Contrat nature=\"vide\">\n"
                     "      <Loyer hc=\"800.00\" charges=\" 50 \"><Devise>EUR</Devise></Loyer>\n"
                     "    </Contrat>\n"
                     "  </Bail>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  const Fields expected = {
      {"@lot", "L1"},
      {"Locataire", "Jean Dupont"},
      {"Note", ""},
      {"Contrat/@nature", "vide"},
      {"Contrat/Loyer/@hc", "800.00"},
      {"Contrat/Loyer/@charges", " 50 "},
      {"Contrat/Loyer/Devise", "EUR"},
  };
  EXPECT_EQ(outcome.records[0], expected);
}

TEST_F(XmlRecordReaderTest, StoresTextOfRecordElement) {
  ReadOutcome outcome = readAll(exportDocument("<Bail lot=\"L1\"> texte libre </Bail>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0], (Fields{{"@lot", "L1"}, {".", "texte libre"}}));
}

TEST_F(XmlRecordReaderTest, KeepsFirstValueOfRepeatedPath) {
  ReadOutcome outcome = readAll(exportDocument(
      "<Bail lot=\"L1\"><Contrat><Loyer hc=\"800\"/><Loyer hc=\"900\" charges=\"40\"/></Contrat>"
      "<Locataire>A</Locataire><Locataire>B</Locataire></Bail>\n"
      "<Bail lot=\"L2\"><Contrat><Loyer hc=\"700\"/></Contrat></Bail>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 2u);
  EXPECT_EQ(outcome.records[0].at("Contrat/Loyer/@hc"), "800");
  EXPECT_EQ(outcome.records[0].at("Contrat/Loyer/@charges"), "40");
  EXPECT_EQ(outcome.records[0].at("Locataire"), "A");
  EXPECT_EQ(outcome.duplicates[0], (std::set<std::string>{"Contrat/Loyer/@hc", "Locataire"}));
  EXPECT_TRUE(outcome.duplicates[1].empty());
  EXPECT_EQ(outcome.records[1].at("Contrat/Loyer/@hc"), "700");
}

TEST_F(XmlRecordReaderTest, ReadsRecordSplitAcrossChunkBoundary) {
  const std::string head = std::string(kUtf8Declaration) + "<ExportBaux>\n";
  const std::string record =
      "<Bail lot=\"L2\"><Locataire>Zoé Martinez</Locataire><Loyer hc=\"512.30\"/></Bail>\n";
  // Spaces move the first record to 30 bytes before the end of the first chunk.
  const std::string padding(kChunk - 30 - head.size(), ' ');
  const std::string input = head + padding + record + "<Bail lot=\"L3\"/>\n</ExportBaux>\n";
  const std::size_t record_offset = kChunk - 30;
  ASSERT_EQ(input.compare(record_offset, record.size(), record), 0);

  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 2u);
  EXPECT_EQ(outcome.records[0].at("@lot"), "L2");
  EXPECT_EQ(outcome.records[0].at("Locataire"), "Zoé Martinez");
  EXPECT_EQ(outcome.records[0].at("Loyer/@hc"), "512.30");
  EXPECT_EQ(outcome.offsets[0], record_offset);
  EXPECT_EQ(outcome.lines[0], 3u);
  EXPECT_EQ(outcome.records[1].at("@lot"), "L3");
}

TEST_F(XmlRecordReaderTest, ReadsUtf8CharacterSplitAcrossChunkBoundary) {
  const std::string head = std::string(kUtf8Declaration) + "<ExportBaux><Bail><Locataire>";
  const std::string filler(kChunk - 1 - head.size(), 'a');  // puts é at offsets 65535 and 65536
  const std::string input = head + filler + "\xC3\xA9</Locataire></Bail></ExportBaux>";
  ASSERT_EQ(static_cast<unsigned char>(input[kChunk - 1]), 0xC3);

  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("Locataire"), filler + "é");
}

TEST_F(XmlRecordReaderTest, ReadsUtf8CharacterSplitInsideAttribute) {
  const std::string head = std::string(kUtf8Declaration) + "<ExportBaux><Bail commune=\"";
  const std::string filler(kChunk - 2 - head.size(), 'b');  // puts € at offsets 65534 to 65536
  const std::string input = head + filler + "\xE2\x82\xAC\"/></ExportBaux>";
  ASSERT_EQ(static_cast<unsigned char>(input[kChunk - 2]), 0xE2);

  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@commune"), filler + "€");
}

TEST_F(XmlRecordReaderTest, DecodesWindows1252Declaration) {
  // 0x80 is €, 0x8C is Œ, 0xE9 is é, 0x92 is ’ in Windows-1252.
  ReadOutcome outcome = readAll(exportDocument(
      "<Bail note=\"\x80 \x8C\"><Locataire>Ren\xE9 l\x92\x8Cuvre</Locataire></Bail>\n",
      "windows-1252"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@note"), "€ Œ");
  EXPECT_EQ(outcome.records[0].at("Locataire"), "René l’Œuvre");
}

TEST_F(XmlRecordReaderTest, DecodesIso8859_15Declaration) {
  // 0xA4 is €, 0xBC is Œ, 0xBD is œ, 0xE9 is é in ISO-8859-15.
  ReadOutcome outcome = readAll(exportDocument(
      "<Bail note=\"\xA4 \xBC\"><Locataire>Ren\xE9 \xBDuvre</Locataire></Bail>\n", "ISO-8859-15"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@note"), "€ Œ");
  EXPECT_EQ(outcome.records[0].at("Locataire"), "René œuvre");
}

TEST_F(XmlRecordReaderTest, AcceptsEncodingAliases) {
  for (const std::string_view name : {"cp1252", "WINDOWS-1252", "latin-9", "iso-8859-15"}) {
    ReadOutcome outcome = readAll(exportDocument("<Bail lot=\"\xE9\"/>\n", name));
    ASSERT_TRUE(outcome.status.ok()) << name << ": " << outcome.status.message();
    ASSERT_EQ(outcome.records.size(), 1u) << name;
    EXPECT_EQ(outcome.records[0].at("@lot"), "é") << name;
  }
}

TEST_F(XmlRecordReaderTest, ReadsIso8859_1DeclarationAsWindows1252) {
  // 0x81 is undefined in Windows-1252 and stays U+0081, as in a strict ISO-8859-1 reading.
  ReadOutcome outcome =
      readAll(exportDocument("<Bail note=\"\x80 l\x92\x65 \xE9\x81\"/>\n", "ISO-8859-1"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@note"), "€ l’e é\xC2\x81");
}

TEST_F(XmlRecordReaderTest, RejectsByteUndefinedInWindows1252) {
  const std::string input = exportDocument("<Bail lot=\"A\x81\"/>\n", "windows-1252");
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "line 3"));
  EXPECT_TRUE(
      containsText(outcome.status.message(), "byte offset " + std::to_string(input.find('\x81'))));
  EXPECT_TRUE(containsText(outcome.status.message(), "encoding"));
}

TEST_F(XmlRecordReaderTest, RejectsC1ByteInIso8859_15) {
  ReadOutcome outcome = readAll(exportDocument("<Bail lot=\"\x80\"/>\n", "iso-8859-15"));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "not well-formed"));
}

TEST_F(XmlRecordReaderTest, RejectsUnsupportedEncoding) {
  ReadOutcome outcome = readAll(exportDocument("<Bail lot=\"A\"/>\n", "KOI8-R"));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "unsupported encoding \"KOI8-R\""));
  EXPECT_TRUE(containsText(outcome.status.message(), "line 1"));
}

TEST_F(XmlRecordReaderTest, ReadsUtf16Document) {
  const std::u16string text =
      u"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<ExportBaux><Bail lot=\"Œ€\"/></ExportBaux>";
  std::string input = "\xFF\xFE";  // little-endian byte order mark
  for (const char16_t unit : text) {
    input += static_cast<char>(unit & 0xFF);
    input += static_cast<char>(unit >> 8);
  }
  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@lot"), "Œ€");
  EXPECT_EQ(outcome.lines[0], 2u);
  EXPECT_EQ(outcome.offsets[0], 2u + 2u * text.find(u"<Bail"));
}

TEST_F(XmlRecordReaderTest, RejectsInvalidUtf8) {
  const std::string input = exportDocument("<Bail lot=\"Ren\xE9\"/>\n");  // Windows-1252 é
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "line 3, column 15"));
  EXPECT_TRUE(
      containsText(outcome.status.message(), "byte offset " + std::to_string(input.find('\xE9'))));
  EXPECT_TRUE(containsText(outcome.status.message(), "check the encoding"));
}

TEST_F(XmlRecordReaderTest, ReportsMismatchedTagWithPosition) {
  const std::string input = exportDocument(
      "  <Bail lot=\"A\"/>\n"
      "  <Bail lot=\"B\">\n"
      "    <Locataire>Dupont</Bail>\n");
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.records.size(), 1u);  // the record before the damage is returned
  const std::string& message = outcome.status.message();
  // Expat points at the name in the end tag, after "</".
  EXPECT_TRUE(containsText(message, "malformed XML at line 5, column 24"));
  EXPECT_TRUE(containsText(message, "byte offset " + std::to_string(input.find("</Bail>") + 2)));
  EXPECT_TRUE(containsText(message, "mismatched tag"));
  EXPECT_TRUE(containsText(message, "export it again"));
}

TEST_F(XmlRecordReaderTest, RejectsControlCharacter) {
  ReadOutcome outcome = readAll(exportDocument("<Bail lot=\"A\x01\"/>\n"));
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "not well-formed (invalid token)"));
  EXPECT_TRUE(containsText(outcome.status.message(), "line 3"));
}

TEST_F(XmlRecordReaderTest, ReportsTruncatedDocument) {
  const std::string complete = exportDocument(
      "  <Bail lot=\"A\"><Locataire>X</Locataire></Bail>\n"
      "  <Bail lot=\"B\"><Locataire>Y</Locataire></Bail>\n");
  const std::string truncated = complete.substr(0, complete.find("</Locataire></Bail>\n</"));
  ReadOutcome outcome = readAll(truncated);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.records.size(), 1u);
  EXPECT_TRUE(containsText(outcome.status.message(), "line 4"));
  EXPECT_TRUE(containsText(outcome.status.message(), "no element found"));
  EXPECT_TRUE(containsText(outcome.status.message(), "the file ends before the document does"));
}

TEST_F(XmlRecordReaderTest, ReportsDocumentCutInsideTag) {
  ReadOutcome outcome = readAll(std::string(kUtf8Declaration) + "<ExportBaux><Bail lot=\"A");
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "unclosed token"));
  EXPECT_TRUE(containsText(outcome.status.message(), "the file ends before the document does"));
}

TEST_F(XmlRecordReaderTest, RejectsEmptyInput) {
  ReadOutcome outcome = readAll("");
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "empty"));
}

TEST_F(XmlRecordReaderTest, RejectsExternalEntityDeclaration) {
  const std::string input =
      std::string(kUtf8Declaration) +
      "<!DOCTYPE ExportBaux [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>\n"
      "<ExportBaux><Bail lot=\"&xxe;\"/></ExportBaux>\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(outcome.records.empty());
  EXPECT_TRUE(containsText(outcome.status.message(), "external entity xxe"));
  EXPECT_TRUE(containsText(outcome.status.message(), "file:///etc/hostname"));
  EXPECT_TRUE(containsText(outcome.status.message(), "line 2"));
}

TEST_F(XmlRecordReaderTest, RejectsExternalParameterEntity) {
  const std::string input =
      std::string(kUtf8Declaration) +
      "<!DOCTYPE ExportBaux [<!ENTITY % dtd SYSTEM \"http://127.0.0.1:9/x.dtd\"> %dtd;]>\n"
      "<ExportBaux><Bail lot=\"A\"/></ExportBaux>\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(outcome.records.empty());
  EXPECT_TRUE(containsText(outcome.status.message(), "external parameter entity %dtd"));
}

TEST_F(XmlRecordReaderTest, RejectsEntityOfExternalDtd) {
  const std::string input =
      std::string(kUtf8Declaration) +
      "<!DOCTYPE ExportBaux SYSTEM \"export.dtd\">\n"
      "<ExportBaux><Bail lot=\"A\"><Note>a&nbsp;b</Note></Bail></ExportBaux>\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "&nbsp;"));
  EXPECT_TRUE(containsText(outcome.status.message(), "line 3"));
}

TEST_F(XmlRecordReaderTest, ReadsDocumentNamingUnusedExternalDtd) {
  const std::string input = std::string(kUtf8Declaration) +
                            "<!DOCTYPE ExportBaux SYSTEM \"export.dtd\">\n"
                            "<ExportBaux><Bail lot=\"A\"/></ExportBaux>\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@lot"), "A");
}

TEST_F(XmlRecordReaderTest, ExpandsInternalEntity) {
  const std::string input = std::string(kUtf8Declaration) +
                            "<!DOCTYPE ExportBaux [<!ENTITY agence \"Agence &amp; Fils\">]>\n"
                            "<ExportBaux><Bail lot=\"&agence;\"><Note>&agence;</Note></Bail>"
                            "</ExportBaux>\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@lot"), "Agence & Fils");
  EXPECT_EQ(outcome.records[0].at("Note"), "Agence & Fils");
}

TEST_F(XmlRecordReaderTest, RejectsEntityExpansionAttack) {
  std::string dtd = "<!ENTITY lol0 \"lollollollollollollollollollol\">";
  for (int level = 1; level <= 9; ++level) {
    std::string definition;
    for (int copy = 0; copy < 10; ++copy) {
      definition += "&lol" + std::to_string(level - 1) + ";";
    }
    dtd += "<!ENTITY lol" + std::to_string(level) + " \"" + definition + "\">";
  }
  const std::string input = std::string(kUtf8Declaration) + "<!DOCTYPE ExportBaux [" + dtd +
                            "]>\n<ExportBaux><Bail><Note>&lol9;</Note></Bail></ExportBaux>\n";
  XmlOptions options = leaseOptions();
  options.max_record_bytes = std::size_t{1} << 30;  // lets expat's own limit act first
  ReadOutcome outcome = readAll(input, options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "amplification"));
}

TEST_F(XmlRecordReaderTest, RejectsRecordOverMaximumSize) {
  XmlOptions options = leaseOptions();
  options.max_record_bytes = 100;
  const std::string input = exportDocument("<Bail lot=\"A\"/>\n<Bail lot=\"B\">\n<Note>" +
                                           std::string(200, 'x') + "</Note></Bail>\n");
  ReadOutcome outcome = readAll(input, options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.records.size(), 1u);
  const std::string& message = outcome.status.message();
  EXPECT_TRUE(containsText(message, "record <Bail> that starts at line 4"));
  EXPECT_TRUE(containsText(message, "byte offset " + std::to_string(input.find("<Bail lot=\"B"))));
  EXPECT_TRUE(containsText(message, "maximum of 100 bytes"));
}

TEST_F(XmlRecordReaderTest, RejectsUnclosedTagBeforeItEnds) {
  XmlOptions options = leaseOptions();
  options.max_record_bytes = 1000;
  // An attribute value that lacks its closing quote, longer than the limit and three chunks.
  const std::string input =
      std::string(kUtf8Declaration) + "<ExportBaux>\n<Bail lot=\"" + std::string(3 * kChunk, 'x');
  ReadOutcome outcome = readAll(input, options);
  ASSERT_FALSE(outcome.status.ok());
  const std::string& message = outcome.status.message();
  EXPECT_TRUE(containsText(message, "still open"));
  EXPECT_TRUE(containsText(message, "line 3, column 1"));
  EXPECT_TRUE(containsText(message, "byte offset " + std::to_string(input.find("<Bail"))));
}

TEST_F(XmlRecordReaderTest, StreamsLargeGeneratedDocument) {
  constexpr int kRecords = 100'000;
  GeneratedExport generated(kRecords);
  std::istream in(&generated);
  XmlRecordReader reader(in, leaseOptions());
  Fields fields;
  int count = 0;
  std::uint64_t expected_offset = kUtf8Declaration.size() + std::string("<ExportBaux>\n").size();
  bool fields_match = true;
  bool positions_match = true;
  while (true) {
    Result<bool> next = reader.next(fields);
    ASSERT_TRUE(next.ok()) << next.message();
    if (!*next) {
      break;
    }
    fields_match = fields_match && fields.size() == 3 &&
                   fields["@lot"] == "LOT" + std::to_string(count) &&
                   fields["Locataire"] == "René " + std::to_string(count);
    positions_match = positions_match &&
                      reader.recordLine() == 3 + 3 * static_cast<std::uint64_t>(count) &&
                      reader.recordOffset() == expected_offset + 2;  // after the indentation
    expected_offset += GeneratedExport::record(count).size();
    ++count;
  }
  EXPECT_EQ(count, kRecords);
  EXPECT_TRUE(fields_match);
  EXPECT_TRUE(positions_match);
}

TEST_F(XmlRecordReaderTest, ReadsCdataSection) {
  ReadOutcome outcome = readAll(exportDocument(
      "<Bail><Locataire><![CDATA[Dupont & <Fils> ]]]]><![CDATA[>]]></Locataire></Bail>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("Locataire"), "Dupont & <Fils> ]]>");
}

TEST_F(XmlRecordReaderTest, DecodesEntitiesAndCharacterReferences) {
  ReadOutcome outcome = readAll(
      exportDocument("<Bail nom=\"Dupont &amp; Fils &quot;SARL&quot;\">"
                     "<Note>a &lt; b &gt; c &apos;d&apos; &#233;t&#xE9; &#x20AC;</Note></Bail>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0].at("@nom"), "Dupont & Fils \"SARL\"");
  EXPECT_EQ(outcome.records[0].at("Note"), "a < b > c 'd' été €");
}

TEST_F(XmlRecordReaderTest, RejectsWrongRootElement) {
  ReadOutcome outcome =
      readAll(std::string(kUtf8Declaration) + "<Export><Bail lot=\"A\"/></Export>\n");
  ASSERT_FALSE(outcome.status.ok());
  const std::string& message = outcome.status.message();
  EXPECT_TRUE(containsText(message, "root element is <Export> at line 2"));
  EXPECT_TRUE(containsText(message, "\"ExportBaux/Bail\" starts with <ExportBaux>"));
}

TEST_F(XmlRecordReaderTest, ReturnsFalseWithoutRecords) {
  ReadOutcome empty_root = readAll(std::string(kUtf8Declaration) + "<ExportBaux version=\"2\"/>");
  EXPECT_TRUE(empty_root.status.ok()) << empty_root.status.message();
  EXPECT_TRUE(empty_root.records.empty());

  ReadOutcome other_elements = readAll(exportDocument("<Lot id=\"A\"/><Archive/>\n"));
  EXPECT_TRUE(other_elements.status.ok()) << other_elements.status.message();
  EXPECT_TRUE(other_elements.records.empty());
}

TEST_F(XmlRecordReaderTest, ReadsOnlyElementsAtRecordPath) {
  ReadOutcome outcome =
      readAll(exportDocument("<Archive><Bail lot=\"old\"/></Archive>\n"
                             "<Bail lot=\"A\"><Bail lot=\"inner\"/></Bail>\n"
                             "<Bail lot=\"B\"/>\n"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 2u);
  EXPECT_EQ(outcome.records[0].at("@lot"), "A");
  EXPECT_EQ(outcome.records[0].at("Bail/@lot"), "inner");
  EXPECT_EQ(outcome.records[1].at("@lot"), "B");
}

TEST_F(XmlRecordReaderTest, ReadsRootAsRecord) {
  XmlOptions options;
  options.record_path = "Bail";
  ReadOutcome outcome = readAll("<Bail lot=\"A\"><Locataire>X</Locataire></Bail>", options);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  ASSERT_EQ(outcome.records.size(), 1u);
  EXPECT_EQ(outcome.records[0], (Fields{{"@lot", "A"}, {"Locataire", "X"}}));
  EXPECT_EQ(outcome.offsets[0], 0u);
}

TEST_F(XmlRecordReaderTest, CountsLinesWithCrLf) {
  const std::string input =
      "<?xml version=\"1.0\"?>\r\n<ExportBaux>\r\n<Bail lot=\"A\"\r\n/>\r\n<Bail lot=\"B\"/>\r\n"
      "</ExportBaux>\r\n";
  ReadOutcome outcome = readAll(input);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.lines, (Numbers{3, 5}));
  EXPECT_EQ(outcome.offsets, (Numbers{input.find("<Bail lot=\"A"), input.find("<Bail lot=\"B")}));
}

TEST_F(XmlRecordReaderTest, RejectsInvalidRecordPath) {
  for (const std::string path : {"", "/ExportBaux/Bail", "ExportBaux//Bail", "ExportBaux/"}) {
    XmlOptions options;
    options.record_path = path;
    ReadOutcome outcome = readAll(exportDocument("<Bail/>\n"), options);
    ASSERT_FALSE(outcome.status.ok()) << path;
    EXPECT_TRUE(containsText(outcome.status.message(), "invalid XML options")) << path;
  }
}

TEST_F(XmlRecordReaderTest, RejectsZeroMaximumRecordSize) {
  XmlOptions options = leaseOptions();
  options.max_record_bytes = 0;
  ReadOutcome outcome = readAll(exportDocument("<Bail/>\n"), options);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "max_record_bytes"));
}

TEST_F(XmlRecordReaderTest, ReturnsSameErrorAfterFailure) {
  std::istringstream in(exportDocument("<Bail lot=\"A\"></Locataire>\n"));
  XmlRecordReader reader(in, leaseOptions());
  Fields fields;
  Result<bool> first = reader.next(fields);
  Result<bool> second = reader.next(fields);
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.message(), second.message());
}

TEST_F(XmlRecordReaderTest, ReportsStreamFailure) {
  FailingDevice device;
  std::istream in(&device);
  ReadOutcome outcome = readStream(in, leaseOptions());
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "I/O error"));
}

TEST_F(XmlRecordReaderTest, ReportsStreamInFailedState) {
  std::istringstream in(exportDocument("<Bail/>\n"));
  in.setstate(std::ios::failbit);
  ReadOutcome outcome = readStream(in, leaseOptions());
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_TRUE(containsText(outcome.status.message(), "failed state"));
}

}  // namespace
}  // namespace alur::ingest
