#include "ingest/csv_reader.h"

#include <algorithm>
#include <exception>
#include <string>

namespace alur::ingest {
namespace {

std::string hexByte(char c) {
  constexpr std::string_view kDigits = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  std::string text = "0x";
  text += kDigits[byte >> 4];
  text += kDigits[byte & 0x0F];
  return text;
}

// Separator and quote must be ASCII because the parser looks for them in UTF-8 text, where every
// byte of a multi-byte character is 0x80 or above.
bool isUsableDelimiter(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0 && byte < 0x80 && c != '\r' && c != '\n';
}

Status validateOptions(const CsvOptions& options) {
  if (!isUsableDelimiter(options.separator)) {
    return Status::Error("invalid CSV options: the separator " + hexByte(options.separator) +
                         " must be an ASCII character other than NUL, CR and LF");
  }
  if (!isUsableDelimiter(options.quote)) {
    return Status::Error("invalid CSV options: the quote " + hexByte(options.quote) +
                         " must be an ASCII character other than NUL, CR and LF");
  }
  if (options.quote == options.separator) {
    return Status::Error("invalid CSV options: the quote and the separator are both " +
                         hexByte(options.quote) + ", but they must differ");
  }
  if (options.max_record_bytes == 0) {
    return Status::Error("invalid CSV options: max_record_bytes must be greater than 0");
  }
  return Status::Ok();
}

std::string describePosition(std::uint64_t line, std::uint64_t offset) {
  return "line " + std::to_string(line) + " (byte offset " + std::to_string(offset) + ")";
}

}  // namespace

CsvReader::CsvReader(std::istream& in, CsvOptions options)
    : in_(in), options_(options), error_(validateOptions(options)), encoding_(options.encoding) {}

Result<bool> CsvReader::next(std::vector<std::string>& fields) {
  if (!error_.ok()) {
    return error_;
  }
  Result<bool> read = readRecord(fields);
  if (!read.ok()) {
    error_ = read.status();
  }
  return read;
}

std::uint64_t CsvReader::recordLine() const { return record_line_; }

std::uint64_t CsvReader::recordOffset() const { return record_offset_; }

Encoding CsvReader::encoding() const { return encoding_; }

Result<bool> CsvReader::readRecord(std::vector<std::string>& fields) {
  RecordInProgress record{&fields};
  State state = State::kRecordStart;
  while (true) {
    const bool ended = parseText(state, record);
    if (record.field_count > 0) {
      Status size_status = checkRecordSize(state, record);
      if (!size_status.ok()) {
        return size_status;
      }
    }
    if (ended) {
      fields.resize(record.field_count);
      record_line_ = record.line;
      record_offset_ = record.offset;
      return true;
    }
    Result<bool> refilled = refillText();
    if (!refilled.ok()) {
      return refilled.status();
    }
    if (!*refilled) {
      return finishAtEndOfInput(state, record);
    }
  }
}

bool CsvReader::parseText(State& state, RecordInProgress& record) {
  const char separator = options_.separator;
  const char quote = options_.quote;
  const char* text = text_.data();
  const std::size_t size = text_.size();
  // Start of the text consumed for the record in this call, to count the record's bytes.
  std::size_t segment_start = position_;

  while (position_ < size) {
    const char c = text[position_];
    const bool line_break = c == '\r' || c == '\n';
    switch (state) {
      case State::kRecordStart: {
        if (line_break) {
          consumeLineBreak();  // a blank line, or the LF of a CR LF that ended the last record
          break;
        }
        record.line = line_;
        record.offset = fileOffsetAt(position_);
        segment_start = position_;
        openField(record);
        state = State::kFieldStart;
        break;
      }
      case State::kFieldStart: {
        if (c == quote) {
          record.quote_line = line_;
          record.quote_offset = fileOffsetAt(position_);
          ++position_;
          after_cr_ = false;
          state = State::kQuoted;
        } else if (c == separator) {
          ++position_;
          after_cr_ = false;
          openField(record);
        } else if (line_break) {
          record.bytes += position_ - segment_start;
          consumeLineBreak();
          return true;
        } else {
          state = State::kUnquoted;
        }
        break;
      }
      case State::kUnquoted: {
        // A quote inside an unquoted field is kept as text, as in `12" TV`.
        std::size_t end = position_;
        while (end < size && text[end] != separator && text[end] != '\r' && text[end] != '\n') {
          ++end;
        }
        if (end > position_) {
          (*record.fields)[record.field_count - 1].append(text + position_, end - position_);
          after_cr_ = false;
          position_ = end;
        }
        if (end == size) {
          break;
        }
        if (text[end] == separator) {
          ++position_;
          openField(record);
          state = State::kFieldStart;
          break;
        }
        record.bytes += position_ - segment_start;
        consumeLineBreak();
        return true;
      }
      case State::kQuoted: {
        // Separators and line breaks are field text here, but line breaks still count as lines.
        std::size_t end = position_;
        while (end < size && text[end] != quote) {
          if (text[end] == '\r') {
            ++line_;
            after_cr_ = true;
          } else {
            line_ += (text[end] == '\n' && !after_cr_) ? 1 : 0;
            after_cr_ = false;
          }
          ++end;
        }
        (*record.fields)[record.field_count - 1].append(text + position_, end - position_);
        position_ = end;
        if (end < size) {
          ++position_;
          after_cr_ = false;
          state = State::kAfterQuote;
        }
        break;
      }
      case State::kAfterQuote: {
        if (c == quote) {
          (*record.fields)[record.field_count - 1].push_back(quote);  // a doubled quote
          ++position_;
          after_cr_ = false;
          state = State::kQuoted;
        } else if (c == separator) {
          ++position_;
          after_cr_ = false;
          openField(record);
          state = State::kFieldStart;
        } else if (line_break) {
          record.bytes += position_ - segment_start;
          consumeLineBreak();
          return true;
        } else {
          state = State::kUnquoted;  // text after the closing quote, as in `"abc"def`, is kept
        }
        break;
      }
    }
  }
  if (state != State::kRecordStart) {
    record.bytes += position_ - segment_start;
  }
  return false;
}

Result<bool> CsvReader::finishAtEndOfInput(State state, RecordInProgress& record) {
  if (state == State::kRecordStart) {
    record.fields->clear();
    return false;
  }
  if (state == State::kQuoted) {
    return Status::Error("unterminated quoted field: the quote at " +
                         describePosition(record.quote_line, record.quote_offset) +
                         " is not closed before the end of the file; add the closing quote or "
                         "re-export the file");
  }
  record.fields->resize(record.field_count);
  record_line_ = record.line;
  record_offset_ = record.offset;
  return true;
}

void CsvReader::openField(RecordInProgress& record) {
  std::vector<std::string>& fields = *record.fields;
  if (record.field_count < fields.size()) {
    fields[record.field_count].clear();  // reuses the string's buffer from an earlier record
  } else {
    fields.emplace_back();
  }
  ++record.field_count;
}

void CsvReader::consumeLineBreak() {
  const char c = text_[position_++];
  if (c == '\r') {
    ++line_;
    after_cr_ = true;
    return;
  }
  if (!after_cr_) {
    ++line_;  // an LF that does not complete a CR LF
  }
  after_cr_ = false;
}

Status CsvReader::checkRecordSize(State state, const RecordInProgress& record) const {
  if (record.bytes <= options_.max_record_bytes) {
    return Status::Ok();
  }
  std::string message = "record at " + describePosition(record.line, record.offset) +
                        " is longer than the maximum of " +
                        std::to_string(options_.max_record_bytes) + " bytes";
  if (state == State::kQuoted) {
    message += "; the quoted field that begins at " +
               describePosition(record.quote_line, record.quote_offset) +
               " is probably missing its closing quote";
  } else {
    message += "; check that the file is the expected export, or raise the maximum record size";
  }
  return Status::Error(message);
}

Result<bool> CsvReader::refillText() {
  fileOffsetAt(text_.size());
  text_.clear();
  position_ = 0;
  mark_position_ = 0;
  // A chunk can decode to no text: a lone BOM, or the start of a UTF-8 sequence held back.
  while (text_.empty()) {
    if (input_ended_) {
      return false;
    }
    Result<std::size_t> read = readChunk();
    if (!read.ok()) {
      return read.status();
    }
    const std::string_view bytes(chunk_.data(), *read);
    if (!decoder_) {
      Status started = startDecoding(bytes, input_ended_);
      if (!started.ok()) {
        return started;
      }
    }
    Status decoded = decoder_->decode(bytes, text_);
    if (decoded.ok() && input_ended_) {
      decoded = decoder_->finish();
    }
    if (!decoded.ok()) {
      return decoded;
    }
    if (!bom_counted_ && decoder_->droppedBomBytes() > 0) {
      mark_offset_ += decoder_->droppedBomBytes();  // the text starts after the BOM
      bom_counted_ = true;
    }
  }
  return true;
}

Result<std::size_t> CsvReader::readChunk() {
  if (in_.fail()) {
    return Status::Error("failed to read the input at byte offset " + std::to_string(bytes_read_) +
                         ": the stream is in a failed state, for example a file that could not "
                         "be opened");
  }
  chunk_.resize(kChunkSize);
  // A stream with exceptions enabled also throws for a short read at the end of the input, so
  // the stream state decides what happened.
  try {
    in_.read(chunk_.data(), static_cast<std::streamsize>(kChunkSize));
  } catch (const std::exception&) {
  }
  const auto count = static_cast<std::size_t>(in_.gcount());
  if (count == kChunkSize && !in_.bad()) {
    try {
      in_.peek();  // sets eofbit when the file ends exactly at the chunk's end
    } catch (const std::exception&) {
    }
  }
  if (in_.bad()) {
    return Status::Error("failed to read the input at byte offset " +
                         std::to_string(bytes_read_ + count) +
                         ": the stream reported an I/O error");
  }
  bytes_read_ += count;
  input_ended_ = count < kChunkSize || in_.eof();
  return count;
}

Status CsvReader::startDecoding(std::string_view head, bool complete) {
  if (hasUtf16Bom(head)) {
    return Status::Error(
        "the file starts with the UTF-16 byte order mark " + hexByte(head[0]) + " " +
        hexByte(head[1]) +
        " at byte offset 0 (line 1): UTF-16 is not supported; re-export the file as UTF-8 or "
        "Windows-1252");
  }
  if (encoding_ == Encoding::kAuto) {
    encoding_ = detectEncoding(head, complete);
  }
  decoder_.emplace(encoding_);
  text_.reserve(3 * kChunkSize + 4);  // Windows-1252 bytes take up to 3 bytes in UTF-8
  return Status::Ok();
}

std::uint64_t CsvReader::fileOffsetAt(std::size_t position) {
  const std::string_view span(text_.data() + mark_position_, position - mark_position_);
  if (encoding_ == Encoding::kUtf8) {
    mark_offset_ += span.size();
  } else {
    // Each byte of a single-byte encoding decodes to one character, so count UTF-8 lead bytes.
    mark_offset_ += static_cast<std::uint64_t>(std::count_if(span.begin(), span.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
  }
  mark_position_ = position;
  return mark_offset_;
}

}  // namespace alur::ingest
