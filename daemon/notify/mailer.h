// Sends e-mail over SMTP with libcurl: STARTTLS, implicit TLS, or plain for a relay on the
// same network; login optional.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "notify/mime.h"

namespace alur::notify {

struct SmtpSettings {
  std::string server;  // empty: e-mail is off
  int port = 587;
  std::string security = "starttls";  // "starttls", "tls" (implicit, usually port 465) or "none"
  std::string user;                   // empty: no login
  std::string password;
  std::string ca_file;  // PEM bundle that verifies the server; empty: the system store
  std::string from;
  std::vector<std::string> to;         // the agency: certificates, leases to correct, summaries
  std::vector<std::string> alerts_to;  // uploads failing and working again; empty: `to`
  int alert_after_minutes = 240;       // uploads failing this long give one alert
  std::string summary = "off";         // "off", "daily" or "weekly" (on Mondays)
  int summary_hour = 8;
  int summary_minute = 0;
  long timeout_seconds = 60;

  bool enabled() const { return !server.empty(); }
};

// The outcome of one message. `login_refused` is set for an SMTP 535 (or 534), which a retry
// does not fix: the account, its password or the server's policy must change. `rejected` is
// set when the server refused this message for good (550, 552, 553 or 554 to every recipient
// or to its data), so that the next messages can still go.
struct SendResult {
  bool ok = false;
  bool login_refused = false;
  bool rejected = false;
  std::string message;  // for the log and the status, with the server's error reply
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual SendResult send(const MailMessage& message) = 0;
};

// `progress`, when set, is called about once a second during a send; returning false aborts it.
// The service uses it to show the watchdog that the worker is alive and to stop promptly.
std::unique_ptr<Mailer> makeSmtpMailer(const SmtpSettings& settings,
                                       std::function<bool()> progress = {});

}  // namespace alur::notify
