// Starts a real SMTP server on 127.0.0.1 (tests/smtp/smtp_sink.py, built on aiosmtpd) and reads
// back the messages it received, decoded by Python's email package.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace alur::testing {

struct SmtpServerOptions {
  bool starttls = false;
  bool implicit_tls = false;
  std::string user{};  // empty: no login
  std::string password{};
  bool refuse_login = false;                      // reject every login with 535 5.7.139
  std::vector<std::string> refused_recipients{};  // rejected with 550 at RCPT TO
};

class SmtpServer {
 public:
  // Starts the server with its mailbox in `workdir`. Returns an error text, empty on success.
  std::string start(const std::filesystem::path& workdir, const SmtpServerOptions& options = {});
  void stop();
  ~SmtpServer() { stop(); }

  int port() const { return port_; }
  std::string certificate() const { return certificate_; }  // PEM; empty without TLS
  std::filesystem::path mailbox() const { return mailbox_; }

  // The messages received so far, oldest first, as files.
  std::vector<std::filesystem::path> messages() const;

 private:
  ChildProcess process_;
  int port_ = 0;
  std::string certificate_;
  std::filesystem::path mailbox_;
};

// Decodes one received message with tests/smtp/read_mail.py: {"headers": {name: decoded value},
// "raw_headers": {name: as sent}, "text": decoded body, "attachments": [{"filename",
// "content_type", "sha256", "size"}], "envelope": {"mail_from", "rcpt_tos", "login"}}.
nlohmann::json readMail(const std::filesystem::path& eml);

}  // namespace alur::testing
