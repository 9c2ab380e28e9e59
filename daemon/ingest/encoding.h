// Decoding of the text encodings that lease exports use (UTF-8, Windows-1252, ISO-8859-15) to
// UTF-8, in chunks so that a file of any size decodes in bounded memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace alur::ingest {

enum class Encoding { kAuto, kUtf8, kWindows1252, kIso8859_15 };

// Returns the name that profiles use: "auto", "utf-8", "windows-1252" or "iso-8859-15".
std::string encodingName(Encoding encoding);

// Parses a profile's encoding name, ignoring ASCII case. Accepts auto, utf-8, windows-1252 (or
// cp1252) and iso-8859-15 (or latin-9).
Result<Encoding> parseEncoding(std::string_view name);

// Returns true when `bytes` is valid UTF-8, with no overlong forms, surrogates, code points above
// U+10FFFF or truncated sequences.
bool isValidUtf8(std::string_view bytes);

// Checks whether `bytes` starts with a UTF-16 byte order mark (FF FE or FE FF).
bool hasUtf16Bom(std::string_view bytes);

// Chooses the encoding of a file from its first bytes: UTF-8 when they start with a UTF-8 BOM or
// are valid UTF-8, else Windows-1252. When `complete` is false, `head` is only the start of the
// file, so a multi-byte sequence cut at its end does not count against UTF-8.
Encoding detectEncoding(std::string_view head, bool complete);

// Decodes a byte stream to UTF-8 chunk by chunk. Errors name the encoding, the byte value, its
// 0-based offset in the stream and its 1-based line (CR LF, LF and a lone CR each end a line).
class Utf8Decoder {
 public:
  // kAuto decodes as UTF-8, so callers pick the encoding with detectEncoding first.
  explicit Utf8Decoder(Encoding encoding);

  // Appends the UTF-8 text of the next `bytes` of the stream to `out`. A UTF-8 sequence cut at
  // the end of `bytes` is held back until the next call, and a UTF-8 BOM at the start of the
  // stream is dropped. On error, `out` may hold part of the chunk's text.
  Status decode(std::string_view bytes, std::string& out);

  // Returns an error when the stream ended inside a UTF-8 sequence.
  Status finish() const;

  Encoding encoding() const { return encoding_; }
  // Bytes dropped at the start of the stream: 3 for a UTF-8 BOM, else 0.
  std::size_t droppedBomBytes() const { return dropped_bom_bytes_; }

 private:
  Status decodeUtf8(std::string_view bytes, std::string& out);
  Status decodeSingleByte(std::string_view bytes, std::string& out);
  // Completes the sequence held back from the previous chunk with the first bytes of `bytes`.
  // Returns how many bytes of `bytes` it used.
  Result<std::size_t> completeHeldSequence(std::string_view bytes, std::string& out);
  Status byteError(unsigned char byte, std::uint64_t offset, std::uint64_t line) const;
  std::uint64_t lineAt(std::string_view bytes, std::size_t position) const;
  void advance(std::string_view bytes);

  Encoding encoding_;
  std::uint64_t offset_ = 0;  // stream offset of the next byte passed to decode()
  std::uint64_t line_ = 1;    // line of that byte
  bool after_cr_ = false;     // true after a CR, so that the LF of a CR LF ends no second line
  std::array<char, 4> held_{};
  std::size_t held_size_ = 0;
  std::uint64_t held_offset_ = 0;
  std::uint64_t held_line_ = 0;
  std::size_t dropped_bom_bytes_ = 0;
};

// Decodes a whole buffer; kAuto detects the encoding first. Meant for small inputs.
Result<std::string> decodeToUtf8(std::string_view bytes, Encoding encoding);

}  // namespace alur::ingest
