#include "notify/mime.h"

#include <array>
#include <ctime>
#include <random>

#include "common/clock.h"

#include <fmt/format.h>

namespace alur::notify {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    bool two = i + 1 < bytes.size();
    if (two) {
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += two ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool isPlainAscii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80 || (c < 0x20 && c != '\t')) {
      return false;
    }
  }
  return true;
}

// Length of the UTF-8 sequence that starts with `lead`; 1 for a byte that starts none.
std::size_t utf8Length(unsigned char lead) {
  if (lead >= 0xF0)
    return 4;
  if (lead >= 0xE0)
    return 3;
  if (lead >= 0xC0)
    return 2;
  return 1;
}

// A boundary that no part can contain: "=_" never occurs in quoted-printable or base64 text.
std::string makeBoundary() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("=_alur_{:016x}{:016x}", random(), random());
}

std::string joinAddresses(const std::vector<std::string>& addresses) {
  std::string out;
  for (const auto& address : addresses) {
    out += (out.empty() ? "" : ", ") + address;
  }
  return out;
}

}  // namespace

std::string encodeHeaderText(const std::string& utf8) {
  if (isPlainAscii(utf8) && utf8.size() <= 900) {
    return utf8;
  }
  // Each encoded word stays within 75 characters: "=?UTF-8?B?" + 60 base64 characters + "?="
  // carries 45 bytes, cut only between whole UTF-8 characters.
  constexpr std::size_t kBytesPerWord = 45;
  std::string out;
  std::size_t start = 0;
  while (start < utf8.size()) {
    std::size_t end = start;
    while (end < utf8.size()) {
      std::size_t next = end + utf8Length(static_cast<unsigned char>(utf8[end]));
      if (next - start > kBytesPerWord) {
        break;
      }
      end = std::min(next, utf8.size());
    }
    if (end == start) {
      end = std::min(utf8.size(), start + utf8Length(static_cast<unsigned char>(utf8[start])));
    }
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") +
           base64(utf8.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string quotedPrintable(const std::string& utf8) {
  std::string out;
  std::string line;
  auto flushLine = [&](bool hard_break) {
    // A space or tab at the end of a line would be lost in transit: encode it.
    if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      char last = line.back();
      line.pop_back();
      line += fmt::format("={:02X}", static_cast<unsigned char>(last));
    }
    out += line;
    out += hard_break ? "\r\n" : "=\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c == '\r' && i + 1 < utf8.size() && utf8[i + 1] == '\n') {
      continue;
    }
    if (c == '\n') {
      flushLine(true);
      continue;
    }
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
      piece = std::string(1, static_cast<char>(c));
    } else {
      piece = fmt::format("={:02X}", c);
    }
    // A soft line break before the piece would push the line past 76 characters, counting the
    // '=' of the break and room to encode a trailing space.
    if (line.size() + piece.size() > 73) {
      flushLine(false);
    }
    // Relays that are not transparent may drop a dot at a line start, and some mailboxes
    // change "From " at a line start. Encoding both keeps the text as written.
    if (line.empty() && (c == '.' || (c == 'F' && utf8.compare(i, 5, "From ") == 0))) {
      piece = fmt::format("={:02X}", c);
    }
    line += piece;
  }
  if (!line.empty()) {
    flushLine(true);
  }
  return out;
}

std::string base64Lines(const std::string& bytes) {
  std::string encoded = base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76) + "\r\n";
  }
  return out;
}

std::string rfc5322Date(std::chrono::system_clock::time_point time) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm local = localParts(t);
  long offset_minutes = utcOffsetSeconds(t) / 60;
  char sign = offset_minutes < 0 ? '-' : '+';
  offset_minutes = std::labs(offset_minutes);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} {}{:02}{:02}", kDays[local.tm_wday],
                     local.tm_mday, kMonths[local.tm_mon], local.tm_year + 1900, local.tm_hour,
                     local.tm_min, local.tm_sec, sign, offset_minutes / 60, offset_minutes % 60);
}

std::string renderMime(const MailMessage& message) {
  std::string out;
  out += "Date: " + rfc5322Date(message.date) + "\r\n";
  out += "From: " + message.from + "\r\n";
  out += "To: " + joinAddresses(message.to) + "\r\n";
  out += "Message-ID: <" + message.message_id + ">\r\n";
  out += "Subject: " + encodeHeaderText(message.subject) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";

  const std::string text_headers =
      "Content-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n";
  if (message.attachments.empty()) {
    out += text_headers + "\r\n" + quotedPrintable(message.text);
    return out;
  }

  std::string boundary = makeBoundary();
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a message in MIME format.\r\n";
  out += "--" + boundary + "\r\n" + text_headers + "\r\n" + quotedPrintable(message.text);
  // The line break before a boundary belongs to the boundary (RFC 2046), so each part gets one
  // more, which keeps the last line break of the text.
  for (const auto& attachment : message.attachments) {
    out += "\r\n--" + boundary + "\r\n";
    out +=
        "Content-Type: " + attachment.content_type + "; name=\"" + attachment.file_name + "\"\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
    out += "Content-Disposition: attachment; filename=\"" + attachment.file_name + "\"\r\n\r\n";
    out += base64Lines(attachment.bytes);
  }
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace alur::notify
