// Feeds the input to XmlRecordReader (daemon/ingest/xml_reader.h) as an XML export and reads every
// record. The first byte selects the options and the remaining bytes are the document:
//   bits 0-1  record path: ExportBaux/Bail, ExportBaux, ExportBaux/Bail/Contrat, Bail
//   bit 2     max_record_bytes: 1 MiB, or 128 so that the record size limit is reached
//   bits 6-7  both set: a comment is put after the XML declaration (or before the document when
//             it has none) so that the 64 KiB chunk boundary falls in the middle of the fuzzed
//             bytes
// Checks that keys and values are valid UTF-8, that every key of recordDuplicates() is a key of
// the record, and that after an error next() returns the same error.
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "ingest/encoding.h"
#include "ingest/xml_reader.h"

namespace {

using alur::fuzz::check;
using alur::ingest::isValidUtf8;
using alur::ingest::XmlOptions;
using alur::ingest::XmlRecordReader;

constexpr const char* kRecordPaths[] = {"ExportBaux/Bail", "ExportBaux", "ExportBaux/Bail/Contrat",
                                        "Bail"};

// Returns the document with a comment inserted after its XML declaration, or at its start when it
// has none, so that the bytes after the comment begin `length_before_body` bytes into the stream.
std::string withPaddingComment(std::string_view document, std::size_t length_before_body) {
  std::size_t insert_at = 0;
  if (document.substr(0, 5) == "<?xml") {
    const std::size_t declaration_end = document.find("?>");
    if (declaration_end != std::string_view::npos) {
      insert_at = declaration_end + 2;
    }
  }
  std::string padded(document.substr(0, insert_at));
  const std::size_t comment_size =
      length_before_body > insert_at + 7 ? length_before_body - insert_at : 7;
  padded += "<!--";
  padded.append(comment_size - 7, 'p');
  padded += "-->";
  padded.append(document.substr(insert_at));
  return padded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t control = data[0];
  const std::string_view document(reinterpret_cast<const char*>(data + 1), size - 1);

  XmlOptions options;
  options.record_path = kRecordPaths[control & 0x3];
  options.max_record_bytes = (control & 0x4) != 0 ? 128 : std::size_t{1} << 20;

  std::string content;
  if ((control & 0xC0) == 0xC0 && document.size() / 2 < XmlRecordReader::kChunkSize) {
    content = withPaddingComment(document, XmlRecordReader::kChunkSize - document.size() / 2);
  } else {
    content.assign(document);
  }

  std::istringstream in(content);
  XmlRecordReader reader(in, options);
  std::map<std::string, std::string> fields;
  while (true) {
    auto has_record = reader.next(fields);
    if (!has_record.ok()) {
      auto again = reader.next(fields);
      check(!again.ok() && again.message() == has_record.message(),
            "next() after an error returns the same error");
      break;
    }
    if (!*has_record) {
      break;
    }
    for (const auto& [key, value] : fields) {
      check(isValidUtf8(key), "every key is valid UTF-8");
      check(isValidUtf8(value), "every value is valid UTF-8");
    }
    for (const std::string& key : reader.recordDuplicates()) {
      check(fields.count(key) == 1, "every repeated key is a key of the record");
    }
  }
  return 0;
}
