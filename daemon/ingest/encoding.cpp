#include "ingest/encoding.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace alur::ingest {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

constexpr std::string_view kUtf8Hint =
    "the file is not UTF-8; set the profile's encoding (windows-1252 or iso-8859-15) or re-export "
    "as UTF-8";

// The UTF-8 form of one code point of a single-byte encoding.
struct Utf8Units {
  std::array<char, 3> bytes{};
  std::uint8_t size = 0;  // 0 marks a byte that the encoding leaves undefined
};

// UTF-8 forms of the bytes 0x80 to 0xFF of a single-byte encoding.
using HighByteTable = std::array<Utf8Units, 128>;

// Encodes a code point below U+10000; 0 gives an empty (undefined) entry.
constexpr Utf8Units encodeUtf8(char32_t code_point) {
  Utf8Units units;
  if (code_point == 0) {
    return units;
  }
  if (code_point < 0x800) {
    units.bytes[0] = static_cast<char>(0xC0 | (code_point >> 6));
    units.bytes[1] = static_cast<char>(0x80 | (code_point & 0x3F));
    units.size = 2;
    return units;
  }
  units.bytes[0] = static_cast<char>(0xE0 | (code_point >> 12));
  units.bytes[1] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
  units.bytes[2] = static_cast<char>(0x80 | (code_point & 0x3F));
  units.size = 3;
  return units;
}

// Windows-1252 as Python's cp1252 codec defines it: 0x80 to 0x9F hold typographic characters,
// five of them undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), and 0xA0 to 0xFF match Latin-1.
constexpr HighByteTable makeWindows1252Table() {
  constexpr std::array<char32_t, 32> kRow80To9F = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 0x88
      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 0x98
  };
  HighByteTable table{};
  for (std::size_t i = 0; i < kRow80To9F.size(); ++i) {
    table[i] = encodeUtf8(kRow80To9F[i]);
  }
  for (std::size_t i = kRow80To9F.size(); i < table.size(); ++i) {
    table[i] = encodeUtf8(static_cast<char32_t>(0x80 + i));
  }
  return table;
}

// ISO-8859-15 is Latin-1 with eight code points replaced. The C1 controls 0x80 to 0x9F stay
// undefined because exports contain no control characters, so these bytes mean Windows-1252.
constexpr HighByteTable makeIso8859_15Table() {
  HighByteTable table{};
  for (std::size_t i = 0x20; i < table.size(); ++i) {
    table[i] = encodeUtf8(static_cast<char32_t>(0x80 + i));
  }
  constexpr std::array<std::pair<unsigned char, char32_t>, 8> kReplaced = {{
      {0xA4, 0x20AC},  // €
      {0xA6, 0x0160},  // Š
      {0xA8, 0x0161},  // š
      {0xB4, 0x017D},  // Ž
      {0xB8, 0x017E},  // ž
      {0xBC, 0x0152},  // Œ
      {0xBD, 0x0153},  // œ
      {0xBE, 0x0178},  // Ÿ
  }};
  for (const auto& [byte, code_point] : kReplaced) {
    table[byte - 0x80] = encodeUtf8(code_point);
  }
  return table;
}

constexpr HighByteTable kWindows1252Table = makeWindows1252Table();
constexpr HighByteTable kIso8859_15Table = makeIso8859_15Table();

enum class SequenceKind { kValid, kInvalid, kTruncated };

struct SequenceCheck {
  SequenceKind kind;
  std::size_t length;  // bytes of the sequence when kind is kValid
};

// Checks the UTF-8 sequence that starts at `bytes[0]` and rejects overlong forms, surrogates and
// code points above U+10FFFF. kTruncated means that the `size` bytes available are a valid start
// of a longer sequence.
SequenceCheck checkSequence(const unsigned char* bytes, std::size_t size) {
  const unsigned char lead = bytes[0];
  if (lead < 0x80) {
    return {SequenceKind::kValid, 1};
  }
  std::size_t length = 0;
  unsigned char low = 0x80;  // range of the second byte, narrower after some lead bytes
  unsigned char high = 0xBF;
  if (lead < 0xC2) {
    return {SequenceKind::kInvalid, 0};  // a continuation byte, or an overlong 2-byte form
  } else if (lead < 0xE0) {
    length = 2;
  } else if (lead < 0xF0) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : low;    // overlong below U+0800
    high = lead == 0xED ? 0x9F : high;  // surrogates U+D800 to U+DFFF
  } else if (lead < 0xF5) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : low;    // overlong below U+10000
    high = lead == 0xF4 ? 0x8F : high;  // above U+10FFFF
  } else {
    return {SequenceKind::kInvalid, 0};
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= size) {
      return {SequenceKind::kTruncated, 0};
    }
    if (bytes[i] < low || bytes[i] > high) {
      return {SequenceKind::kInvalid, 0};
    }
    low = 0x80;
    high = 0xBF;
  }
  return {SequenceKind::kValid, length};
}

// Outcome of a UTF-8 scan: the length of the valid text, and the kind of sequence that ended it
// (kValid when the scan reached the end).
struct Utf8Scan {
  std::size_t valid_length;
  SequenceKind stop;
};

Utf8Scan scanUtf8(std::string_view text, std::size_t start) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = start;
  while (i < size) {
    // Skips ASCII eight bytes at a time, since most of an export is ASCII.
    if (size - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof(word));
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const SequenceCheck check = checkSequence(bytes + i, size - i);
    if (check.kind != SequenceKind::kValid) {
      return {i, check.kind};
    }
    i += check.length;
  }
  return {size, SequenceKind::kValid};
}

// Counts line breaks: CR LF, LF and a lone CR each count once. `after_cr` is true when the byte
// before `bytes` was a CR. On return, it is true when the last byte of `bytes` is a CR.
std::uint64_t countLineBreaks(std::string_view bytes, bool& after_cr) {
  std::uint64_t count = 0;
  bool previous_cr = after_cr;
  for (const char c : bytes) {
    const bool cr = c == '\r';
    count += (cr || (c == '\n' && !previous_cr)) ? 1 : 0;
    previous_cr = cr;
  }
  after_cr = previous_cr;
  return count;
}

std::string hexByte(unsigned char byte) {
  constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string text = "0x";
  text += kDigits[byte >> 4];
  text += kDigits[byte & 0x0F];
  return text;
}

// Returns e.g. "invalid UTF-8 byte 0xE9 at byte offset 1234 (line 17)".
std::string describeInvalidByte(std::string_view label, unsigned char byte, std::uint64_t offset,
                                std::uint64_t line) {
  std::string text = "invalid ";
  text += label;
  text += " byte ";
  text += hexByte(byte);
  text += " at byte offset ";
  text += std::to_string(offset);
  text += " (line ";
  text += std::to_string(line);
  text += ")";
  return text;
}

}  // namespace

std::string encodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kAuto:
      return "auto";
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kWindows1252:
      return "windows-1252";
    case Encoding::kIso8859_15:
      return "iso-8859-15";
  }
  return "unknown";
}

Result<Encoding> parseEncoding(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "auto") {
    return Encoding::kAuto;
  }
  if (lower == "utf-8") {
    return Encoding::kUtf8;
  }
  if (lower == "windows-1252" || lower == "cp1252") {
    return Encoding::kWindows1252;
  }
  if (lower == "iso-8859-15" || lower == "latin-9") {
    return Encoding::kIso8859_15;
  }
  return Status::Error("unknown encoding \"" + std::string(name) +
                       "\": expected auto, utf-8, windows-1252 (or cp1252) or iso-8859-15 (or "
                       "latin-9)");
}

bool isValidUtf8(std::string_view bytes) { return scanUtf8(bytes, 0).stop == SequenceKind::kValid; }

bool hasUtf16Bom(std::string_view bytes) {
  return bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF");
}

Encoding detectEncoding(std::string_view head, bool complete) {
  if (head.starts_with(kUtf8Bom)) {
    return Encoding::kUtf8;
  }
  const Utf8Scan scan = scanUtf8(head, 0);
  if (scan.stop == SequenceKind::kValid) {
    return Encoding::kUtf8;
  }
  if (scan.stop == SequenceKind::kTruncated && !complete) {
    return Encoding::kUtf8;
  }
  return Encoding::kWindows1252;
}

Utf8Decoder::Utf8Decoder(Encoding encoding) : encoding_(encoding) {}

Status Utf8Decoder::decode(std::string_view bytes, std::string& out) {
  const bool single_byte =
      encoding_ == Encoding::kWindows1252 || encoding_ == Encoding::kIso8859_15;
  Status status = single_byte ? decodeSingleByte(bytes, out) : decodeUtf8(bytes, out);
  if (status.ok()) {
    advance(bytes);
  }
  return status;
}

Status Utf8Decoder::finish() const {
  if (held_size_ == 0) {
    return Status::Ok();
  }
  return Status::Error(
      describeInvalidByte("UTF-8", static_cast<unsigned char>(held_[0]), held_offset_, held_line_) +
      ": the file ends inside a multi-byte sequence, so " + std::string(kUtf8Hint));
}

Status Utf8Decoder::decodeUtf8(std::string_view bytes, std::string& out) {
  std::size_t start = 0;
  if (held_size_ > 0) {
    Result<std::size_t> used = completeHeldSequence(bytes, out);
    if (!used.ok()) {
      return used.status();
    }
    if (held_size_ > 0) {
      return Status::Ok();  // `bytes` was too short to complete the sequence
    }
    start = *used;
  } else if (offset_ == 0 && bytes.starts_with(kUtf8Bom)) {
    start = kUtf8Bom.size();
    dropped_bom_bytes_ = kUtf8Bom.size();
  }

  const Utf8Scan scan = scanUtf8(bytes, start);
  if (scan.stop == SequenceKind::kInvalid) {
    const std::size_t at = scan.valid_length;
    return byteError(static_cast<unsigned char>(bytes[at]), offset_ + at, lineAt(bytes, at));
  }
  if (scan.stop == SequenceKind::kTruncated) {
    const std::size_t at = scan.valid_length;
    held_size_ = bytes.size() - at;
    std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end(), held_.begin());
    held_offset_ = offset_ + at;
    held_line_ = lineAt(bytes, at);
  }
  out.append(bytes.data() + start, scan.valid_length - start);
  return Status::Ok();
}

Result<std::size_t> Utf8Decoder::completeHeldSequence(std::string_view bytes, std::string& out) {
  std::array<char, 4> sequence = held_;
  std::size_t size = held_size_;
  std::size_t used = 0;
  while (size < sequence.size() && used < bytes.size()) {
    sequence[size++] = bytes[used++];
  }
  const SequenceCheck check =
      checkSequence(reinterpret_cast<const unsigned char*>(sequence.data()), size);
  if (check.kind == SequenceKind::kInvalid) {
    return byteError(static_cast<unsigned char>(held_[0]), held_offset_, held_line_);
  }
  if (check.kind == SequenceKind::kTruncated) {
    held_ = sequence;
    held_size_ = size;
    return used;
  }
  const std::string_view complete(sequence.data(), check.length);
  if (held_offset_ == 0 && complete == kUtf8Bom) {
    dropped_bom_bytes_ = kUtf8Bom.size();
  } else {
    out.append(complete);
  }
  const std::size_t bytes_used = check.length - held_size_;
  held_size_ = 0;
  return bytes_used;
}

Status Utf8Decoder::decodeSingleByte(std::string_view bytes, std::string& out) {
  const HighByteTable& table =
      encoding_ == Encoding::kWindows1252 ? kWindows1252Table : kIso8859_15Table;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  std::size_t i = 0;
  while (i < size) {
    std::size_t run_end = i;
    while (run_end < size && data[run_end] < 0x80) {
      ++run_end;
    }
    out.append(bytes.data() + i, run_end - i);
    if (run_end == size) {
      break;
    }
    const Utf8Units& units = table[data[run_end] - 0x80];
    if (units.size == 0) {
      return byteError(data[run_end], offset_ + run_end, lineAt(bytes, run_end));
    }
    out.append(units.bytes.data(), units.size);
    i = run_end + 1;
  }
  return Status::Ok();
}

Status Utf8Decoder::byteError(unsigned char byte, std::uint64_t offset, std::uint64_t line) const {
  switch (encoding_) {
    case Encoding::kWindows1252:
      return Status::Error(describeInvalidByte("Windows-1252", byte, offset, line) +
                           ": Windows-1252 leaves this byte undefined; set the profile's encoding "
                           "to the one the export uses (utf-8 or iso-8859-15)");
    case Encoding::kIso8859_15:
      return Status::Error(describeInvalidByte("ISO-8859-15", byte, offset, line) +
                           ": bytes 0x80 to 0x9F are control characters that exports do not "
                           "contain, so the file is probably Windows-1252; set the profile's "
                           "encoding to windows-1252");
    case Encoding::kAuto:
    case Encoding::kUtf8:
      break;
  }
  return Status::Error(describeInvalidByte("UTF-8", byte, offset, line) + ": " +
                       std::string(kUtf8Hint));
}

std::uint64_t Utf8Decoder::lineAt(std::string_view bytes, std::size_t position) const {
  bool after_cr = after_cr_;
  return line_ + countLineBreaks(bytes.substr(0, position), after_cr);
}

void Utf8Decoder::advance(std::string_view bytes) {
  line_ += countLineBreaks(bytes, after_cr_);
  offset_ += bytes.size();
}

Result<std::string> decodeToUtf8(std::string_view bytes, Encoding encoding) {
  if (encoding == Encoding::kAuto) {
    encoding = detectEncoding(bytes, /*complete=*/true);
  }
  Utf8Decoder decoder(encoding);
  std::string text;
  text.reserve(bytes.size());
  Status status = decoder.decode(bytes, text);
  if (!status.ok()) {
    return status;
  }
  status = decoder.finish();
  if (!status.ok()) {
    return status;
  }
  return text;
}

}  // namespace alur::ingest
