#include "store/outbox.h"

#include "store/guarded.h"

namespace alur::store {
namespace {

constexpr const char* kColumns =
    "id, key, kind, recipients, subject, body, attachment_path, message_id, created_at, "
    "sent_at, attempts, last_error";

std::string joinRecipients(const std::vector<std::string>& recipients) {
  std::string out;
  for (const auto& r : recipients) {
    out += (out.empty() ? "" : ",") + r;
  }
  return out;
}

std::vector<std::string> splitRecipients(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) {
      out.push_back(text.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return out;
}

Notification readNotification(Statement& s) {
  Notification n;
  n.id = s.integer(0);
  n.key = s.text(1);
  n.kind = s.text(2);
  n.recipients = splitRecipients(s.text(3));
  n.subject = s.text(4);
  n.body = s.text(5);
  n.attachment_path = s.text(6);
  n.message_id = s.text(7);
  n.created_at = s.text(8);
  n.sent_at = s.text(9);
  n.attempts = static_cast<int>(s.integer(10));
  n.last_error = s.text(11);
  return n;
}

std::vector<Notification> readAll(Statement& s) {
  std::vector<Notification> out;
  while (s.step()) {
    out.push_back(readNotification(s));
  }
  return out;
}

std::vector<BatchEvent> readEvents(Statement& s) {
  std::vector<BatchEvent> out;
  while (s.step()) {
    out.push_back(
        {s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), static_cast<int>(s.integer(5))});
  }
  return out;
}

}  // namespace

Result<bool> Outbox::add(const Notification& n) {
  return guarded("cannot queue the e-mail " + n.key, [&]() -> Result<bool> {
    WriteTransaction tx(db_);
    db_.prepare(
           "INSERT OR IGNORE INTO notification (key, kind, recipients, subject, body, "
           "attachment_path, message_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .bind(1, n.key)
        .bind(2, n.kind)
        .bind(3, joinRecipients(n.recipients))
        .bind(4, n.subject)
        .bind(5, n.body)
        .bind(6, n.attachment_path.empty() ? std::optional<std::string>() : n.attachment_path)
        .bind(7, n.message_id)
        .bind(8, n.created_at)
        .run();
    bool added = db_.changes() > 0;
    tx.commit();
    return added;
  });
}

Result<bool> Outbox::has(const std::string& key) {
  return guarded("cannot read the e-mail outbox", [&]() -> Result<bool> {
    auto s = db_.prepare("SELECT 1 FROM notification WHERE key = ?1");
    s.bind(1, key);
    return s.step();
  });
}

Result<std::vector<Notification>> Outbox::unsent(int limit) {
  return guarded("cannot read the e-mail outbox", [&]() -> Result<std::vector<Notification>> {
    auto s =
        db_.prepare(std::string("SELECT ") + kColumns +
                    " FROM notification WHERE sent_at IS NULL AND given_up_at IS NULL ORDER BY id "
                    "LIMIT ?1");
    s.bind(1, limit);
    return readAll(s);
  });
}

Status Outbox::markSent(std::int64_t id, const std::string& now_utc) {
  return guarded("cannot record a sent e-mail", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE notification SET sent_at = ?2, attempts = attempts + 1, "
           "last_attempt_at = ?2, last_error = NULL WHERE id = ?1")
        .bind(1, id)
        .bind(2, now_utc)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Status Outbox::giveUp(std::int64_t id, const std::string& error, const std::string& now_utc) {
  return guarded("cannot record a refused e-mail", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE notification SET attempts = attempts + 1, last_attempt_at = ?2, "
           "given_up_at = ?2, last_error = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, now_utc)
        .bind(3, error)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Status Outbox::recordFailure(std::int64_t id, const std::string& error,
                             const std::string& now_utc) {
  return guarded("cannot record an e-mail failure", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE notification SET attempts = attempts + 1, last_attempt_at = ?2, "
           "last_error = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, now_utc)
        .bind(3, error)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Result<std::optional<Notification>> Outbox::lastOfKind(const std::string& kind) {
  return guarded("cannot read the e-mail outbox", [&]() -> Result<std::optional<Notification>> {
    auto s = db_.prepare(std::string("SELECT ") + kColumns +
                         " FROM notification WHERE kind = ?1 ORDER BY id DESC "
                         "LIMIT 1");
    s.bind(1, kind);
    if (!s.step()) {
      return std::optional<Notification>();
    }
    return std::optional<Notification>(readNotification(s));
  });
}

Result<std::vector<Notification>> Outbox::recent(int limit) {
  return guarded("cannot read the e-mail outbox", [&]() -> Result<std::vector<Notification>> {
    auto s = db_.prepare(std::string("SELECT ") + kColumns +
                         " FROM notification ORDER BY id DESC LIMIT ?1");
    s.bind(1, limit);
    return readAll(s);
  });
}

Result<std::vector<BatchEvent>> Outbox::certifiedSince(const std::string& since,
                                                       const std::string& report_deadline) {
  return guarded("cannot read certified batches", [&]() -> Result<std::vector<BatchEvent>> {
    auto s = db_.prepare(
        "SELECT id, file_name, certified_at, certificate_path, '', lease_count FROM batch "
        "WHERE certified_at IS NOT NULL AND certificate_path IS NOT NULL AND certified_at >= ?1 "
        "AND (reported_at IS NOT NULL OR certified_at < ?2) ORDER BY id");
    s.bind(1, since);
    s.bind(2, report_deadline);
    return readEvents(s);
  });
}

Result<std::vector<BatchEvent>> Outbox::reportedSince(const std::string& since) {
  return guarded("cannot read reported batches", [&]() -> Result<std::vector<BatchEvent>> {
    auto s = db_.prepare(
        "SELECT id, file_name, reported_at, COALESCE(certificate_path, ''), '', lease_count "
        "FROM batch WHERE reported_at IS NOT NULL AND reported_at >= ?1 ORDER BY id");
    s.bind(1, since);
    return readEvents(s);
  });
}

Result<std::vector<BatchEvent>> Outbox::rejectedAsWholeSince(const std::string& since) {
  return guarded("cannot read rejected batches", [&]() -> Result<std::vector<BatchEvent>> {
    // markRejectedAsWhole sets acknowledged_at with the failed state; a permanent upload
    // failure leaves acknowledged_at empty.
    auto s = db_.prepare(
        "SELECT id, file_name, acknowledged_at, '', COALESCE(last_error, ''), lease_count "
        "FROM batch WHERE state = 'failed' AND acknowledged_at IS NOT NULL AND "
        "acknowledged_at >= ?1 ORDER BY id");
    s.bind(1, since);
    return readEvents(s);
  });
}

Result<std::vector<RejectedLine>> Outbox::rejectedLines(std::int64_t batch_id) {
  return guarded("cannot read rejected leases", [&]() -> Result<std::vector<RejectedLine>> {
    auto s = db_.prepare(
        "SELECT bl.dwelling_id, COALESCE(bl.platform_reason, ''), COALESCE(l.record_json, '') "
        "FROM batch_line bl LEFT JOIN lease l ON l.siret = bl.siret AND "
        "l.dwelling_id = bl.dwelling_id WHERE bl.batch_id = ?1 AND bl.platform_status = "
        "'rejected' ORDER BY bl.line_no");
    s.bind(1, batch_id);
    std::vector<RejectedLine> out;
    while (s.step()) {
      out.push_back({s.text(0), s.text(1), s.text(2)});
    }
    return out;
  });
}

Result<std::pair<int, int>> Outbox::reportCounts(std::int64_t batch_id) {
  return guarded("cannot read the report of a batch", [&]() -> Result<std::pair<int, int>> {
    auto s = db_.prepare(
        "SELECT COALESCE(SUM(platform_status = 'integrated'), 0), "
        "COALESCE(SUM(platform_status = 'rejected'), 0) FROM batch_line WHERE batch_id = ?1");
    s.bind(1, batch_id);
    s.step();
    return std::pair{static_cast<int>(s.integer(0)), static_cast<int>(s.integer(1))};
  });
}

Result<std::vector<std::string>> Outbox::invalidLeaseKeys() {
  return guarded("cannot read invalid leases", [&]() -> Result<std::vector<std::string>> {
    auto s = db_.prepare(
        "SELECT dwelling_id || ':' || fingerprint FROM lease WHERE state = 'invalid' "
        "ORDER BY 1");
    std::vector<std::string> out;
    while (s.step()) {
      out.push_back(s.text(0));
    }
    return out;
  });
}

Result<std::optional<UploadOutage>> Outbox::uploadOutage() {
  return guarded("cannot read the upload attempts", [&]() -> Result<std::optional<UploadOutage>> {
    // A batch that needs an operator is outage until resent, whatever the
    // other batches do.
    // The episode starts at the first failure after the last successful upload in both cases,
    // so that a resend followed by a retry stays in the episode already announced.
    auto failed = db_.prepare(
        "SELECT b.file_name, COALESCE(b.last_error, ''), b.attempts, "
        "COALESCE((SELECT MIN(at) FROM upload_attempt WHERE result IN ('retry', 'failed') AND "
        "at > COALESCE((SELECT MAX(at) FROM upload_attempt WHERE result = 'ok'), '')), "
        "(SELECT MAX(at) FROM upload_attempt a WHERE a.batch_id = b.id AND a.result = "
        "'failed'), b.created_at) FROM batch b WHERE b.state = 'failed' AND "
        "b.acknowledged_at IS NULL ORDER BY b.id LIMIT 1");
    if (failed.step()) {
      return std::optional<UploadOutage>(UploadOutage{failed.text(3), failed.text(1),
                                                      failed.text(0),
                                                      static_cast<int>(failed.integer(2)), true});
    }
    auto retrying = db_.prepare(
        "SELECT MIN(a.at) FROM upload_attempt a WHERE a.result IN ('retry', "
        "'failed') AND a.at > COALESCE((SELECT MAX(at) FROM upload_attempt "
        "WHERE result = 'ok'), '')");
    if (!retrying.step() || retrying.isNull(0)) {
      return std::optional<UploadOutage>();
    }
    std::string since = retrying.text(0);
    auto waiting = db_.prepare(
        "SELECT file_name, COALESCE(last_error, ''), attempts FROM batch WHERE "
        "state IN ('built', 'uploading') AND attempts > 0 ORDER BY id LIMIT 1");
    if (!waiting.step()) {
      return std::optional<UploadOutage>();
    }
    return std::optional<UploadOutage>(UploadOutage{since, waiting.text(1), waiting.text(0),
                                                    static_cast<int>(waiting.integer(2)), false});
  });
}

}  // namespace alur::store
