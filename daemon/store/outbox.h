// The e-mail outbox (table notification) and the facts the notifier decides from.
//
// A notification is written once under a key that names what it announces (the certificate of
// a batch, an episode of failing uploads...). INSERT OR IGNORE on that key makes planning
// idempotent; sent_at, set after the server accepted the message, makes a restart resend
// nothing already sent. A crash between the server's acceptance and that commit sends the
// message again once, with the same Message-ID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace alur::store {

struct Notification {
  std::int64_t id = 0;
  std::string key;   // e.g. "certificate:2026_73282932000074_001.CSV"
  std::string kind;  // "certificate", "corrections", "batch_rejected", "upload_failing",
                     // "upload_recovered", "summary" or "test"
  std::vector<std::string> recipients;
  std::string subject;
  std::string body;
  std::string attachment_path;  // empty: none
  std::string message_id;
  std::string created_at;
  std::string sent_at;  // empty: not sent yet
  int attempts = 0;
  std::string last_error;
};

// A lease that the platform's report rejected, with what the agency needs to find it.
struct RejectedLine {
  std::string dwelling_id;
  std::string reason;       // the platform's words
  std::string record_json;  // the lease as last read, for its address
};

// A batch that reached a step the agency hears about.
struct BatchEvent {
  std::int64_t id = 0;
  std::string file_name;
  std::string at;  // UTC, ISO 8601
  std::string certificate_path;
  std::string last_error;
  int lease_count = 0;
};

// The current episode of failing uploads: from the first failed attempt after the last
// successful one, while a batch still waits for the server or needs an operator.
struct UploadOutage {
  std::string since;  // UTC, ISO 8601
  std::string last_error;
  std::string batch;
  int attempts = 0;
  bool needs_operator = false;  // a batch is failed (permanent error)
};

class Outbox {
 public:
  explicit Outbox(Store& store) : db_(store.database()) {}

  // Writes `notification` unless one with its key exists; returns whether it was written.
  Result<bool> add(const Notification& notification);
  Result<bool> has(const std::string& key);
  // Notifications neither sent nor given up, oldest first.
  Result<std::vector<Notification>> unsent(int limit);
  Status markSent(std::int64_t id, const std::string& now_utc);
  // Records that the server refuses the notification for good; it is not tried again.
  Status giveUp(std::int64_t id, const std::string& error, const std::string& now_utc);
  Status recordFailure(std::int64_t id, const std::string& error, const std::string& now_utc);
  // The newest notification of `kind`, sent or not.
  Result<std::optional<Notification>> lastOfKind(const std::string& kind);
  // Every notification, newest first, for the status and the tests.
  Result<std::vector<Notification>> recent(int limit);

  // Facts to decide from. Times are UTC, ISO 8601; `since` bounds them so that installing
  // e-mail on an old database does not mail its whole history.
  // Certified batches whose report is in, or that were certified before `report_deadline`.
  Result<std::vector<BatchEvent>> certifiedSince(const std::string& since,
                                                 const std::string& report_deadline);
  Result<std::vector<BatchEvent>> reportedSince(const std::string& since);
  Result<std::vector<BatchEvent>> rejectedAsWholeSince(const std::string& since);
  Result<std::vector<RejectedLine>> rejectedLines(std::int64_t batch_id);
  Result<std::pair<int, int>> reportCounts(std::int64_t batch_id);  // integrated, rejected
  // Invalid leases as "dwelling_id:fingerprint", sorted, to tell which were already mailed.
  Result<std::vector<std::string>> invalidLeaseKeys();
  Result<std::optional<UploadOutage>> uploadOutage();

 private:
  Database& db_;
};

}  // namespace alur::store
