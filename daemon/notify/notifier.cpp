#include "notify/notifier.h"

#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "common/backoff.h"
#include "common/files.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/system.h"
#include "status/status_facts.h"

#include <fmt/format.h>

namespace alur::notify {
namespace {

// Meta keys: the time e-mail was first planned on this database (older events are not mailed),
// and the last time the server accepted a mail.
constexpr const char* kSinceKey = "email.since";
constexpr const char* kLastSuccessKey = "email.last_success_at";
constexpr const char* kStateKey = "email.state";                   // "on" or "off"
constexpr const char* kInvalidMailedKey = "email.invalid_mailed";  // JSON list of lease keys

// How long a certificate mail waits for the integration report, whose counts it gives.
constexpr auto kReportWait = std::chrono::hours(24);

// Backoff between failed deliveries: one minute, doubling up to an hour. A refused login is
// not fixed by retrying soon, so it waits at least a quarter of an hour.
constexpr int kRetryInitialSeconds = 60;
constexpr int kRetryMaxSeconds = 3600;
constexpr auto kLoginRefusedFloor = std::chrono::minutes(15);

// Invalid leases listed in one digest.
constexpr int kMaxInvalidListed = 100;

std::string fileNameOf(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

Sender senderOf(const config::Config& config) {
  Sender sender;
  sender.company = config.contributor.company_name;
  sender.siret = config.contributor.siret;
  sender.host = hostName();
  sender.version = ALUR_VERSION;
  if (config.status.port != 0) {
    sender.status_url = fmt::format("http://{}:{}/ (depuis le serveur)",
                                    config.status.listen_address, config.status.port);
  }
  return sender;
}

std::string makeMessageId(const std::string& key, const std::string& from,
                          std::chrono::system_clock::time_point now) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string local;
  for (char c : key) {
    local +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '.';
  }
  std::string domain = from.substr(from.find('@') + 1);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  return fmt::format("{}.{}.{:08x}.alur-relay@{}", local, seconds.count(),
                     static_cast<std::uint32_t>(random()), domain);
}

Notifier::Notifier(const config::Config& config, store::Store& store, const Clock& clock,
                   MailerFactory mailers)
    : config_(config),
      store_(store),
      outbox_(store),
      clock_(clock),
      mailers_(std::move(mailers)),
      sender_(senderOf(config)) {}

Status Notifier::add(const std::string& key, const std::string& kind,
                     const std::vector<std::string>& recipients, const MailText& text,
                     const std::string& attachment_path) {
  // Checked first, so that a lasting state (an outage, a recovery) costs one read per tick,
  // not one write.
  auto has = outbox_.has(key);
  if (!has || *has) {
    return has.status();
  }
  auto now = clock_.now();
  store::Notification n;
  n.key = key;
  n.kind = kind;
  n.recipients = recipients;
  n.subject = text.subject;
  n.body = text.body;
  n.attachment_path = attachment_path;
  n.message_id = makeMessageId(key, config_.email.from, now);
  n.created_at = formatUtc(now);
  auto added = outbox_.add(n);
  if (added && *added) {
    logger("notify")->info("mail queued kind={} key={}", kind, key);
  }
  return added.status();
}

// Records at the first plan of the process whether e-mail is on. Turning e-mail off clears its
// recorded failure. Turning it on again starts from now, so the events of the time it was off
// are not mailed.
Status Notifier::recordEmailState() {
  if (state_recorded_) {
    return Status::Ok();
  }
  auto state = store_.getMeta(kStateKey);
  if (!state) {
    return state.status();
  }
  std::string now = formatUtc(clock_.now());
  if (!config_.email.enabled()) {
    if (*state != "off") {
      for (Status s :
           {store_.setMeta(kStateKey, "off"), status::recordFailure(store_, "email", "", now)}) {
        if (!s) {
          return s;
        }
      }
    }
  } else if (*state != "on") {
    if (*state == "off") {
      if (Status s = store_.setMeta(kSinceKey, now); !s) {
        return s;
      }
    }
    if (Status s = store_.setMeta(kStateKey, "on"); !s) {
      return s;
    }
  }
  state_recorded_ = true;
  return Status::Ok();
}

Status Notifier::plan() {
  if (Status s = recordEmailState(); !s) {
    return s;
  }
  if (!config_.email.enabled()) {
    return Status::Ok();
  }
  auto since = store_.getMeta(kSinceKey);
  if (!since) {
    return since.status();
  }
  if (since->empty()) {
    *since = formatUtc(clock_.now());
    if (Status s = store_.setMeta(kSinceKey, *since); !s) {
      return s;
    }
  }
  for (Status s : {planBatchMails(*since), planInvalidLeases(), planUploadAlerts()}) {
    if (!s) {
      return s;
    }
  }
  return planSummary();
}

Status Notifier::planBatchMails(const std::string& since) {
  const auto& to = config_.email.to;
  // A certificate mail gives the report's counts, so it waits for the report, a day at most.
  auto certified = outbox_.certifiedSince(since, formatUtc(clock_.now() - kReportWait));
  if (!certified) {
    return certified.status();
  }
  for (const auto& batch : *certified) {
    std::string key = "certificate:" + batch.file_name;
    auto has = outbox_.has(key);
    if (!has) {
      return has.status();
    }
    if (*has) {
      continue;
    }
    auto counts = outbox_.reportCounts(batch.id);
    if (!counts) {
      return counts.status();
    }
    MailText text = certificateMail(sender_, batch, counts->first, counts->second,
                                    fileNameOf(batch.certificate_path));
    if (Status s = add(key, "certificate", to, text, batch.certificate_path); !s) {
      return s;
    }
  }

  auto reported = outbox_.reportedSince(since);
  if (!reported) {
    return reported.status();
  }
  for (const auto& batch : *reported) {
    std::string key = "corrections:" + batch.file_name;
    auto has = outbox_.has(key);
    if (!has) {
      return has.status();
    }
    if (*has) {
      continue;
    }
    auto rejected = outbox_.rejectedLines(batch.id);
    if (!rejected) {
      return rejected.status();
    }
    if (rejected->empty()) {
      continue;  // nothing refused, which the certificate mail reports
    }
    if (Status s = add(key, "corrections", to, rejectedLeasesMail(sender_, batch, *rejected)); !s) {
      return s;
    }
  }

  auto rejected_whole = outbox_.rejectedAsWholeSince(since);
  if (!rejected_whole) {
    return rejected_whole.status();
  }
  for (const auto& batch : *rejected_whole) {
    std::vector<std::string> recipients = to;
    for (const auto& a : config_.email.alerts_to) {
      if (std::find(recipients.begin(), recipients.end(), a) == recipients.end()) {
        recipients.push_back(a);
      }
    }
    if (Status s = add("batch_rejected:" + batch.file_name, "batch_rejected", recipients,
                       batchRejectedMail(sender_, batch));
        !s) {
      return s;
    }
  }
  return Status::Ok();
}

// Mails the leases that the export gives without the data the law requires. A mail goes once
// for each set that contains a lease not mailed before, with the whole current list. A lease
// fixed in the export gives no mail.
Status Notifier::planInvalidLeases() {
  auto keys = outbox_.invalidLeaseKeys();
  if (!keys) {
    return keys.status();
  }

  auto mailed = store_.getMeta(kInvalidMailedKey);
  if (!mailed) {
    return mailed.status();
  }
  std::set<std::string> known;
  auto parsed = nlohmann::json::parse(*mailed, nullptr, false);
  if (parsed.is_array()) {
    for (const auto& item : parsed) {
      if (item.is_string()) {
        known.insert(item.get<std::string>());
      }
    }
  }

  bool has_new = std::any_of(keys->begin(), keys->end(),
                             [&](const std::string& key) { return known.count(key) == 0; });
  if (!has_new) {
    return Status::Ok();
  }
  auto invalid = store_.leasesInState("invalid");
  if (!invalid) {
    return invalid.status();
  }
  std::vector<status::LeaseToCorrect> listed;
  for (const auto& lease : *invalid) {
    if (static_cast<int>(listed.size()) == kMaxInvalidListed) {
      break;
    }
    listed.push_back(status::toCorrect(lease));
  }

  std::string key = "invalid:" + sha256Hex(nlohmann::json(*keys).dump()).substr(0, 16);
  if (Status s = add(key, "invalid", config_.email.to,
                     invalidLeasesMail(sender_, listed, static_cast<int>(invalid->size())));
      !s) {
    return s;
  }
  return store_.setMeta(kInvalidMailedKey, nlohmann::json(*keys).dump());
}

Status Notifier::planUploadAlerts() {
  auto outage = outbox_.uploadOutage();
  if (!outage) {
    return outage.status();
  }
  auto now = clock_.now();
  if (*outage) {
    const store::UploadOutage& t = **outage;
    bool long_enough =
        now - parseUtc(t.since) >= std::chrono::minutes(config_.email.alert_after_minutes);
    if (!t.needs_operator && !long_enough) {
      return Status::Ok();
    }
    return add("upload_failing:" + t.since, "upload_failing", config_.email.alerts_to,
               uploadFailingMail(sender_, t));
  }
  // Working: a failing alert without its recovery gets one.
  auto last = outbox_.lastOfKind("upload_failing");
  if (!last) {
    return last.status();
  }
  if (!*last) {
    return Status::Ok();
  }
  std::string since = (*last)->key.substr(std::string("upload_failing:").size());
  return add("upload_recovered:" + since, "upload_recovered", config_.email.alerts_to,
             uploadRecoveredMail(sender_, since, now));
}

Status Notifier::planSummary() {
  const auto& e = config_.email;
  if (e.summary == "off") {
    return Status::Ok();
  }
  std::tm local = localParts(std::chrono::system_clock::to_time_t(clock_.now()));
  bool weekly = e.summary == "weekly";
  if (weekly && local.tm_wday != 1) {
    return Status::Ok();
  }
  if (local.tm_hour * 60 + local.tm_min < e.summary_hour * 60 + e.summary_minute) {
    return Status::Ok();
  }
  std::string key =
      fmt::format("summary:{}-{:02}-{:02}", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  auto has = outbox_.has(key);
  if (!has || *has) {
    return has.status();
  }
  auto facts = status::readStatusFacts(config_, store_);
  if (!facts) {
    return facts.status();
  }
  std::string day =
      fmt::format("{:02}/{:02}/{}", local.tm_mday, local.tm_mon + 1, local.tm_year + 1900);
  return add(key, "summary", e.to, summaryMail(sender_, *facts, weekly, day));
}

MailMessage Notifier::messageOf(const store::Notification& n) const {
  MailMessage m;
  m.from = config_.email.from;
  m.to = n.recipients;
  m.subject = n.subject;
  m.text = n.body;
  m.message_id = n.message_id;
  m.date = clock_.now();
  if (!n.attachment_path.empty()) {
    std::string bytes;
    if (Status read = readFile(n.attachment_path, bytes); read) {
      m.attachments.push_back({fileNameOf(n.attachment_path), "application/pdf", bytes});
    } else {
      logger("notify")->warn("attachment missing key={} path={} error=\"{}\"", n.key,
                             n.attachment_path, read.message());
      m.text += "\n(La pièce jointe " + fileNameOf(n.attachment_path) +
                " n'a pas pu être lue sur le serveur : " + n.attachment_path + ")\n";
    }
  }
  return m;
}

Status Notifier::deliver() {
  if (!config_.email.enabled() || clock_.steadyNow() < next_try_) {
    return Status::Ok();
  }
  auto unsent = outbox_.unsent(20);
  if (!unsent) {
    return unsent.status();
  }
  if (unsent->empty()) {
    return Status::Ok();
  }
  std::unique_ptr<Mailer> mailer = mailers_();
  for (const auto& n : *unsent) {
    SendResult result = mailer->send(messageOf(n));
    std::string now = formatUtc(clock_.now());
    if (!result.ok && result.rejected) {
      logger("notify")->error("mail given up kind={} key={} error=\"{}\"", n.kind, n.key,
                              result.message);
      if (Status s = outbox_.giveUp(n.id, result.message, now); !s) {
        return s;
      }
      continue;  // the server works; the next messages may go
    }
    if (!result.ok) {
      if (Status s = outbox_.recordFailure(n.id, result.message, now); !s) {
        return s;
      }
      noteFailure(result);
      return Status::Error(result.message);
    }
    if (Status s = outbox_.markSent(n.id, now); !s) {
      return s;
    }
    logger("notify")->info("mail sent kind={} key={} to={}", n.kind, n.key, n.recipients.size());
    noteSuccess();
  }
  return Status::Ok();
}

void Notifier::resetBackoff() {
  failures_in_a_row_ = 0;
  next_try_ = {};
}

void Notifier::noteFailure(const SendResult& result) {
  ++failures_in_a_row_;
  std::mt19937_64 random{std::random_device{}()};
  auto delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      backoffDelay(failures_in_a_row_, kRetryInitialSeconds, kRetryMaxSeconds, random));
  if (result.login_refused) {
    delay = std::max<std::chrono::steady_clock::duration>(delay, kLoginRefusedFloor);
  }
  next_try_ = clock_.steadyNow() + delay;
  if (result.message != last_error_) {
    logger("notify")->error("notifications failing error=\"{}\"", result.message);
    Status recorded =
        status::recordFailure(store_, "email", result.message, formatUtc(clock_.now()));
    if (!recorded) {
      logger("notify")->warn("cannot record the failure error=\"{}\"", recorded.message());
    }
    last_error_ = result.message;
  }
}

void Notifier::noteSuccess() {
  failures_in_a_row_ = 0;
  std::string now = formatUtc(clock_.now());
  if (!last_error_.empty()) {
    logger("notify")->info("notifications working again after error=\"{}\"", last_error_);
    last_error_.clear();
  }
  // Cleared on every success, not only after a failure seen by this process: a failure recorded
  // before a restart must not stay on the status page.
  for (Status s :
       {status::recordFailure(store_, "email", "", now), store_.setMeta(kLastSuccessKey, now)}) {
    if (!s) {
      logger("notify")->warn("cannot record the delivery error=\"{}\"", s.message());
    }
  }
}

SendResult sendTestMail(const config::Config& config, Mailer& mailer, const Clock& clock) {
  std::vector<std::string> recipients = config.email.to;
  for (const auto& a : config.email.alerts_to) {
    if (std::find(recipients.begin(), recipients.end(), a) == recipients.end()) {
      recipients.push_back(a);
    }
  }
  MailText text = testMail(senderOf(config), config.email.to, config.email.alerts_to);
  MailMessage m;
  m.from = config.email.from;
  m.to = recipients;
  m.subject = text.subject;
  m.text = text.body;
  m.date = clock.now();
  m.message_id = makeMessageId("test", config.email.from, m.date);
  return mailer.send(m);
}

}  // namespace alur::notify
