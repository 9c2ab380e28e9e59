// An e-mail message and its MIME form (RFC 5322, 2045, 2047): UTF-8 text in quoted-printable,
// attachments in base64, the subject as encoded words when it is not plain ASCII.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace alur::notify {

struct Attachment {
  std::string file_name;  // as shown to the reader; plain ASCII is safest
  std::string content_type = "application/octet-stream";
  std::string bytes;
};

struct MailMessage {
  std::string from;
  std::vector<std::string> to;
  std::string subject;  // UTF-8
  std::string text;     // UTF-8, lines separated by '\n'
  std::vector<Attachment> attachments;
  std::string message_id;  // without the angle brackets, e.g. "2026...@alur-relay.host"
  std::chrono::system_clock::time_point date;
};

// Returns the whole message with CRLF line endings, ready for SMTP's DATA.
std::string renderMime(const MailMessage& message);

// The pieces, exposed for the tests.
std::string encodeHeaderText(const std::string& utf8);  // RFC 2047 "B" words when needed
std::string quotedPrintable(const std::string& utf8);   // CRLF line endings, 76 columns
std::string base64Lines(const std::string& bytes);      // 76 columns, CRLF after each line
std::string rfc5322Date(std::chrono::system_clock::time_point time);  // in local time

}  // namespace alur::notify
