// Feeds the input to CsvReader (daemon/ingest/csv_reader.h) as a CSV file and reads every record.
// The first byte selects the options and the remaining bytes are the file:
//   bits 0-1  encoding: auto, utf-8, windows-1252, iso-8859-15
//   bits 2-3  separator: ';', ',', tab, '|'
//   bit 4     quote: '"' or '\''
//   bit 5     max_record_bytes: 1 MiB, or 64 so that the record size limit is reached
//   bits 6-7  both set: ASCII lines are put before the file so that the 64 KiB chunk boundary
//             falls in the middle of the fuzzed bytes
// Checks that every field is valid UTF-8 and that after an error next() returns the same error.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "ingest/csv_reader.h"
#include "ingest/encoding.h"

namespace {

using alur::fuzz::check;
using alur::ingest::CsvOptions;
using alur::ingest::CsvReader;
using alur::ingest::Encoding;

constexpr Encoding kEncodings[] = {Encoding::kAuto, Encoding::kUtf8, Encoding::kWindows1252,
                                   Encoding::kIso8859_15};
constexpr char kSeparators[] = {';', ',', '\t', '|'};

// Returns `length` bytes of 63-character ASCII lines, ending with a line break.
std::string paddingLines(std::size_t length) {
  std::string padding(length, 'p');
  for (std::size_t i = 63; i < length; i += 64) {
    padding[i] = '\n';
  }
  if (length > 0) {
    padding.back() = '\n';
  }
  return padding;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t control = data[0];
  const std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);

  CsvOptions options;
  options.encoding = kEncodings[control & 0x3];
  options.separator = kSeparators[(control >> 2) & 0x3];
  options.quote = (control & 0x10) != 0 ? '\'' : '"';
  options.max_record_bytes = (control & 0x20) != 0 ? 64 : std::size_t{1} << 20;

  std::string content;
  if ((control & 0xC0) == 0xC0 && file.size() / 2 < CsvReader::kChunkSize) {
    content = paddingLines(CsvReader::kChunkSize - file.size() / 2);
  }
  content.append(file);

  std::istringstream in(content);
  CsvReader reader(in, options);
  std::vector<std::string> fields;
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
    for (const std::string& field : fields) {
      check(alur::ingest::isValidUtf8(field), "every field is valid UTF-8");
    }
  }
  return 0;
}
