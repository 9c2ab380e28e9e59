#include "support/smtp_server.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>

namespace alur::testing {
namespace {

// aiosmtpd is Debian's package, installed for Debian's Python.
constexpr const char* kPython = "/usr/bin/python3";

}  // namespace

std::string SmtpServer::start(const std::filesystem::path& workdir,
                              const SmtpServerOptions& options) {
  std::filesystem::create_directories(workdir);
  std::filesystem::path ready = workdir / "smtp-ready.json";
  std::filesystem::remove(ready);
  std::vector<std::string> argv = {
      kPython,        std::string(ALUR_SOURCE_DIR) + "/tests/smtp/smtp_sink.py",
      "--mailbox",    (workdir / "mailbox").string(),
      "--ready-file", ready.string()};
  if (options.starttls) {
    argv.push_back("--tls");
  }
  if (options.implicit_tls) {
    argv.push_back("--implicit-tls");
  }
  if (!options.user.empty()) {
    argv.insert(argv.end(), {"--user", options.user, "--password", options.password});
  }
  if (options.refuse_login) {
    argv.push_back("--refuse-login");
  }
  for (const auto& address : options.refused_recipients) {
    argv.insert(argv.end(), {"--refuse-recipient", address});
  }
  std::filesystem::path log = workdir / "smtp.log";
  if (!process_.start(argv, log)) {
    return "cannot start the SMTP server";
  }
  bool up = waitFor([&] { return std::filesystem::exists(ready) || !process_.running(); },
                    std::chrono::seconds(30));
  if (!up || !std::filesystem::exists(ready)) {
    return "the SMTP server did not become ready; its log: " + readFileBytes(log);
  }
  auto json = nlohmann::json::parse(readFileBytes(ready));
  port_ = json.at("port");
  certificate_ = json.at("certificate").is_null() ? "" : json.at("certificate").get<std::string>();
  mailbox_ = json.at("mailbox").get<std::string>();
  return "";
}

void SmtpServer::stop() { process_.stop(SIGTERM, std::chrono::seconds(10)); }

std::vector<std::filesystem::path> SmtpServer::messages() const {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(mailbox_, ec)) {
    if (entry.path().extension() == ".eml") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json readMail(const std::filesystem::path& eml) {
  std::string command = std::string(kPython) + " " + ALUR_SOURCE_DIR +
                        "/tests/smtp/read_mail.py '" + eml.string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while (pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) {
    out.append(buffer, n);
  }
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace alur::testing
