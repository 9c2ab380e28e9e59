#include "store/schema.h"

namespace alur::store {
namespace {

// Version 1: leases, imported files, batches with their lines, upload attempts, receipts.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE import_file (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  imported_at TEXT NOT NULL,
  rows INTEGER NOT NULL,
  valid INTEGER NOT NULL,
  invalid INTEGER NOT NULL,
  out_of_scope INTEGER NOT NULL,
  new_leases INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  unchanged INTEGER NOT NULL,
  queued INTEGER NOT NULL
);
CREATE INDEX import_file_path ON import_file(path);
CREATE TABLE lease (
  siret TEXT NOT NULL,
  dwelling_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL,
  record_json TEXT NOT NULL,
  issues_json TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  queued_at TEXT,
  last_batch_id INTEGER,
  last_survey_date TEXT,
  platform_reason TEXT,
  PRIMARY KEY (siret, dwelling_id)
);
CREATE INDEX lease_state ON lease(state);
CREATE TABLE batch (
  id INTEGER PRIMARY KEY,
  year INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  file_name TEXT NOT NULL UNIQUE,
  header BLOB NOT NULL,
  line_ending TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  lease_count INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  uploaded_at TEXT,
  acknowledged_at TEXT,
  reported_at TEXT,
  certified_at TEXT,
  certificate_path TEXT,
  UNIQUE (year, sequence)
);
CREATE TABLE batch_line (
  batch_id INTEGER NOT NULL REFERENCES batch(id),
  line_no INTEGER NOT NULL,
  siret TEXT NOT NULL,
  dwelling_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  line BLOB NOT NULL,
  platform_status TEXT,
  platform_reason TEXT,
  PRIMARY KEY (batch_id, line_no)
);
CREATE INDEX batch_line_dwelling ON batch_line(batch_id, dwelling_id);
CREATE TABLE upload_attempt (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batch(id),
  at TEXT NOT NULL,
  result TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE TABLE receipt (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batch(id),
  kind TEXT NOT NULL,
  remote_name TEXT NOT NULL,
  local_path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (batch_id, kind)
);
)sql";

// Version 2: facts about the running service (start time, pid, postal table edition) that the
// status command shows.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Version 3: the e-mail outbox. A notification is written once under the key of its event and
// sent afterwards. sent_at records the server's acceptance, and given_up_at a message that the
// server rejects for good.
constexpr const char* kVersion3 = R"sql(
CREATE TABLE notification (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  attachment_path TEXT,
  message_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_at TEXT,
  last_error TEXT,
  given_up_at TEXT
);
CREATE INDEX notification_unsent ON notification(sent_at, id);
)sql";

}  // namespace

const std::vector<const char*>& migrations() {
  // migrations()[i] moves a database from user_version i to i + 1.
  static const std::vector<const char*> steps = {kVersion1, kVersion2, kVersion3};
  return steps;
}

}  // namespace alur::store
