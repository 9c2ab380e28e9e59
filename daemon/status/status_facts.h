// The facts that `alur-relay status`, its JSON form and the HTTP endpoint show, read once from
// the database, the state folder and the configuration.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "store/store.h"

namespace alur::status {

// The last import, as the store records it.
using ImportFacts = store::ImportSummary;

struct UploadFacts {
  std::string at;      // UTC, ISO 8601
  std::string result;  // "ok", "retry" or "failed"
  std::string batch;
  std::string message;
};

// A lease the agency must correct in its management software, with the reason in French.
struct LeaseToCorrect {
  std::string dwelling_id;
  std::string state;  // "rejected" or "invalid"
  std::string code;   // validator's issue code, or "platform_rejected"
  std::string message;
};

// A part of the service that does not work at the moment.
struct Failure {
  std::string part;  // "upload", "receipts", "email" or "disk"
  std::string error;
  std::string since;  // UTC, ISO 8601; empty when unknown
};

struct StatusFacts {
  std::string now;  // UTC, ISO 8601, when the facts were read

  bool running = false;
  std::string pid;
  std::string started_at;
  std::string version;
  std::string config_path;
  std::string export_folder;
  std::string database_path;
  std::string postal_table_edition;

  std::optional<ImportFacts> last_import;
  std::vector<std::pair<std::string, int>> leases_by_state;
  std::string oldest_pending_since;
  std::optional<UploadFacts> last_upload;
  std::vector<store::BatchRow> batches;           // newest first, at most 20
  std::vector<LeaseToCorrect> leases_to_correct;  // rejected first, then invalid
  std::vector<std::string> quarantined;
  std::vector<std::pair<std::string, std::string>> certificates;  // batch file name, PDF path
  std::vector<Failure> failing;

  std::map<std::string, int> batches_by_state;
  std::map<std::string, std::int64_t> uploads_by_result;  // "ok", "retry", "failed"
  // Upload attempts (ok, retry or failed) since now minus status.health_window_minutes.
  int attempts_in_window = 0;
  int successes_in_window = 0;
  std::string last_upload_success_at;
  std::string last_receipt_at;
  bool email_enabled = false;
  std::string last_email_at;  // UTC, ISO 8601: the server last accepted a mail
  int emails_waiting = 0;     // in the outbox, not sent yet
  std::string server_certificate_expires_at;     // UTC, ISO 8601; empty until a connection
  std::optional<std::uint64_t> disk_free_bytes;  // of the state folder
};

// Returns the reason a lease must be corrected: the platform's, else the validator's first error.
LeaseToCorrect toCorrect(const store::LeaseView& lease);

// Maximum number of leases to correct that the facts carry.
constexpr std::size_t kMaxLeasesToCorrect = 50;

// Reads every fact through `store`, which may be a read-only connection.
Result<StatusFacts> readStatusFacts(const config::Config& config, store::Store& store);

// Opens the database read-only and reads the facts. The error explains how to run the command
// when the database folder cannot be written (SQLite needs it for the WAL index).
Result<StatusFacts> readStatusFacts(const config::Config& config);

// Records that `part` of the running service fails with `error` (or works again when `error` is
// empty), so that status readers in other processes see it. Keeps the first time of a lasting
// failure.
Status recordFailure(store::Store& store, const std::string& part, const std::string& error,
                     const std::string& now_utc);

// Returns the free space of the file system that contains `folder`, in bytes.
std::optional<std::uint64_t> freeBytes(const std::filesystem::path& folder);

}  // namespace alur::status
