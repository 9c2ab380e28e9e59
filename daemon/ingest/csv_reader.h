// A streaming CSV reader (RFC 4180 plus the quirks of exports from property-management
// software) that decodes the input to UTF-8 as it goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/encoding.h"  // Encoding

namespace alur::ingest {

struct CsvOptions {
  char separator = ';';
  char quote = '"';
  Encoding encoding = Encoding::kAuto;
  std::size_t max_record_bytes = 1 << 20;  // a longer record is an error, not a memory blow-up
};

class CsvReader {
 public:
  // Bytes read from the stream at a time. The reader buffers one chunk, its decoded text and the
  // record being read, whatever the size of the file.
  static constexpr std::size_t kChunkSize = 64 * 1024;

  CsvReader(std::istream& in, CsvOptions options);

  // Reads the next record into `fields` (UTF-8). Returns true when a record was read, false at
  // the end of the input, or an error naming the line and byte offset.
  Result<bool> next(std::vector<std::string>& fields);

  std::uint64_t recordLine() const;    // 1-based physical line where the last record began
  std::uint64_t recordOffset() const;  // byte offset in the file where the last record began
  Encoding encoding() const;           // the encoding in use (after detection for kAuto)

 private:
  enum class State { kRecordStart, kFieldStart, kUnquoted, kQuoted, kAfterQuote };

  // Parse state of the record being read. Its fields are written straight into the caller's
  // vector.
  struct RecordInProgress {
    std::vector<std::string>* fields;
    std::size_t field_count = 0;
    std::size_t bytes = 0;  // decoded bytes so far, without the line break that ends the record
    std::uint64_t line = 0;
    std::uint64_t offset = 0;
    std::uint64_t quote_line = 0;  // where the open quoted field began
    std::uint64_t quote_offset = 0;
  };

  Result<bool> readRecord(std::vector<std::string>& fields);
  // Consumes text for `record` until the record ends (true) or the decoded text runs out (false).
  bool parseText(State& state, RecordInProgress& record);
  Result<bool> finishAtEndOfInput(State state, RecordInProgress& record);
  void openField(RecordInProgress& record);
  void consumeLineBreak();
  Status checkRecordSize(State state, const RecordInProgress& record) const;

  // Replaces the decoded text with the next chunk. Returns false at the end of the input.
  Result<bool> refillText();
  Result<std::size_t> readChunk();
  Status startDecoding(std::string_view head, bool complete);
  std::uint64_t fileOffsetAt(std::size_t position);

  std::istream& in_;
  CsvOptions options_;
  Status error_;  // the first error, returned again by every later call of next()

  std::optional<Utf8Decoder> decoder_;  // created from the first chunk, once the encoding is known
  Encoding encoding_;
  std::string chunk_;  // raw bytes of the last chunk read
  std::uint64_t bytes_read_ = 0;
  bool input_ended_ = false;

  std::string text_;  // decoded UTF-8 of the last chunk, parsed from position_
  std::size_t position_ = 0;
  std::uint64_t line_ = 1;  // physical line of text_[position_]
  bool after_cr_ = false;   // true after a CR, so that the LF of a CR LF ends no second line

  // File offset of text_[mark_position_], from which fileOffsetAt counts forward.
  std::size_t mark_position_ = 0;
  std::uint64_t mark_offset_ = 0;
  bool bom_counted_ = false;

  std::uint64_t record_line_ = 0;
  std::uint64_t record_offset_ = 0;
};

}  // namespace alur::ingest
