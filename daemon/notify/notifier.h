// Decides which e-mails the state of the queue calls for, writes them to the outbox, and sends
// the outbox. One mail per event and per change of state: a certificate, the leases to correct
// after a report, a batch rejected as a whole, uploads failing for email.alert_after_minutes
// then working again, and the daily or weekly summary.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "notify/mailer.h"
#include "notify/messages.h"
#include "store/outbox.h"
#include "store/store.h"

namespace alur::notify {

using MailerFactory = std::function<std::unique_ptr<Mailer>()>;

class Notifier {
 public:
  Notifier(const config::Config& config, store::Store& store, const Clock& clock,
           MailerFactory mailers);

  // Writes to the outbox the mails that the database's state calls for and that are not there
  // yet. Does nothing when e-mail is off.
  Status plan();

  // Sends what the outbox holds, unless the last failure's backoff runs. Stops at the first
  // failure: the server is down or refuses, the next mails would fail the same way.
  Status deliver();

  // Tries the outbox at the next deliver(), for a reload that changed the [email] settings.
  void resetBackoff();

 private:
  Status recordEmailState();
  Status planInvalidLeases();
  Status planBatchMails(const std::string& since);
  Status planUploadAlerts();
  Status planSummary();
  Status add(const std::string& key, const std::string& kind,
             const std::vector<std::string>& recipients, const MailText& text,
             const std::string& attachment_path = "");
  MailMessage messageOf(const store::Notification& notification) const;
  void noteFailure(const SendResult& result);
  void noteSuccess();

  const config::Config& config_;
  store::Store& store_;
  store::Outbox outbox_;
  const Clock& clock_;
  MailerFactory mailers_;
  Sender sender_;
  int failures_in_a_row_ = 0;
  std::chrono::steady_clock::time_point next_try_{};
  std::string last_error_;
  bool state_recorded_ = false;
};

// The sender identity written into every mail: the contributor, the host and the status page.
Sender senderOf(const config::Config& config);

// Sends a test mail to email.to and email.alerts_to at once, outside the outbox, for
// `alur-relay notify-test`.
SendResult sendTestMail(const config::Config& config, Mailer& mailer, const Clock& clock);

// A Message-ID for a mail about `key`, unique to this installation and this time.
std::string makeMessageId(const std::string& key, const std::string& from,
                          std::chrono::system_clock::time_point now);

}  // namespace alur::notify
