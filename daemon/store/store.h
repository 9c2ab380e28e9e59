// The queue of leases and batches, in one SQLite database per installation.
//
// Lease states (table lease, column state) and the function that makes each move:
//
//   (export line) ──importLease──► invalid | out_of_scope | pending
//   pending ──buildBatch──► batched ──markUploaded──► uploaded ──markAcknowledged──► acknowledged
//   acknowledged ──applyReport──► integrated | rejected
//   any state ──importLease with a changed fingerprint──► pending | invalid | out_of_scope
//   invalid ──importLease, same fingerprint, now valid (a date no longer in the future)──► pending
//
//   pending: valid and waiting for the next batch. Its record_json feeds the writer.
//   batched: its line is in batch_line of the batch last_batch_id, which has not reached the
//            server yet. uploaded/acknowledged: the platform has the line. rejected: the
//            platform's reason is in platform_reason; only a changed export brings it back.
//
// Batch states (table batch, column state):
//
//   (pending leases) ──buildBatch──► built ──markUploading──► uploading ──markUploaded──►
//   uploaded ──markAcknowledged──► acknowledged ──applyReport──► reported
//   ──recordCertificate──► certified
//   built | uploading ──recordUploadFailure (permanent)──► failed
//   uploaded | acknowledged ──markRejectedAsWhole──► failed (its leases: rejected)
//   failed ──resendFailed──► built (never uploaded), or stays failed with its leases pending
//
//   built: the batch row, its file name, its lines and the SHA-256 of its bytes are committed;
//          the file in the outbox may not exist yet (writeBatchFile recreates it, byte for byte).
//   uploading: an upload was started; after a crash the same name is sent again, and the
//          transport finds it already on the server when the upload had completed.
//   failed: a permanent error (login refused, permission denied) needs an operator; the batch
//          and its leases are kept, last_error says why.
//
// Every move is one committed write transaction (BEGIN IMMEDIATE). Side effects (writing the
// batch file, sending bytes) happen after the commit that announces them and are idempotent,
// so a crash between the commit and the side effect is repaired by replaying it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "lease/issue.h"
#include "lease/record.h"
#include "store/sqlite.h"

namespace alur::store {

// Version of the schema this build writes. PRAGMA user_version stores the database's version.
constexpr int kSchemaVersion = 3;

enum class LeaseChange { kNew, kChanged, kUnchanged };

struct ImportSummary {
  std::string path;
  std::string imported_at;  // UTC, ISO 8601; filled when read back from the database
  std::string sha256;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  int rows = 0;
  int valid = 0;
  int invalid = 0;
  int out_of_scope = 0;
  int new_leases = 0;
  int changed = 0;
  int unchanged = 0;
  int queued = 0;
  int duplicates = 0;  // lines ignored because an earlier line had the same dwelling id
};

struct BatchRow {
  std::int64_t id = 0;
  int year = 0;
  int sequence = 0;
  std::string file_name;
  std::string sha256;
  std::int64_t size = 0;
  int lease_count = 0;
  std::string state;
  int attempts = 0;
  std::string next_attempt_at;  // UTC, ISO 8601; empty: now
  std::string last_error;
  std::string created_at;
  std::string uploaded_at;
  std::string certificate_path;
  std::string acknowledged_at;  // also set when the platform rejected the whole file
};

// One upload attempt of a batch; `result` is "started", "ok", "retry" or "failed".
struct UploadAttempt {
  std::string at;
  std::string result;
  std::string message;
};

// The change that Store::resendBatch made to a batch.
enum class ResendAction {
  kBuiltAgain,      // failed before reaching the platform: back to built, same name and bytes
  kRetryNow,        // waiting for a retry: its next attempt is now
  kLeasesRequeued,  // rejected as a whole: its leases went back to pending, for a new batch
};

// One line of the platform's integration report.
struct ReportLine {
  std::string dwelling_id;
  std::string status;  // "integrated", "rejected", or the platform's own word when unknown
  std::string reason;
};

struct LeaseView {
  std::string dwelling_id;
  std::string state;
  std::string issues_json;
  std::string platform_reason;
};

// The queue's state as the status command shows it.
struct Overview {
  std::vector<std::pair<std::string, int>> leases_by_state;
  std::vector<BatchRow> batches;
  std::vector<ImportSummary> recent_imports;
  std::string last_upload_at;
  std::string last_upload_result;
  std::string last_upload_message;
  std::string oldest_pending_since;
};

// Builds the bytes of one official line for a lease; `previous_survey` is the date of the
// previous batch that carried this lease, if any.
using LineFormatter = std::function<std::string(const lease::LeaseRecord& record,
                                                const std::optional<lease::Date>& previous)>;

// Builds the header line of a batch file from the number of dwelling lines.
using HeaderFormatter = std::function<std::string(int lease_count)>;

class Store {
 public:
  // Opens (creating it if needed) the database at `path`, migrating an older schema. Rejects a
  // database written by a newer version and a database on a network file system.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path);
  // Opens an existing database read-only, without blocking the running service.
  static Result<std::unique_ptr<Store>> openReadOnly(const std::filesystem::path& path);

  // Returns the SHA-256 of the last file imported from `path`, or an empty string. A file is
  // skipped only when it equals the last one read from the same path, so an export that goes
  // back to older content (A, then B, then A again) is imported again.
  Result<std::string> lastImportHash(const std::string& path);

  // Starts the one transaction in which a whole export is imported.
  Status beginImport();
  // Stores one lease of the export being imported and returns how it compares with the
  // stored one. Call between beginImport and commitImport.
  Result<LeaseChange> importLease(const std::string& siret, const lease::LeaseRecord& record,
                                  const std::vector<lease::Issue>& issues,
                                  lease::Classification classification);
  // Records the file as consumed and commits; the leases and the record are one transaction.
  Status commitImport(const ImportSummary& summary);
  void rollbackImport();

  // Puts every pending lease of `siret` into a new batch named by `name_for(year, sequence)`,
  // in one transaction. Returns std::nullopt when nothing is pending.
  Result<std::optional<BatchRow>> buildBatch(
      const std::string& siret, int year, const lease::Date& survey_date,
      const std::function<std::string(int year, int sequence)>& name_for,
      const HeaderFormatter& header, const LineFormatter& line, const std::string& line_ending);

  // Returns the exact bytes of a batch file, rebuilt from the committed lines.
  Result<std::string> batchBytes(std::int64_t batch_id);

  // Batches in state built or uploading whose next attempt is due at `now_utc`.
  Result<std::vector<BatchRow>> batchesDueForUpload(const std::string& now_utc);
  // Batches in state built or uploading, whatever their next attempt, in id order.
  Result<std::vector<BatchRow>> batchesWaitingForUpload();
  // Moves the next attempt of a waiting batch back to `latest_utc` when it is later than that.
  Status clampNextAttempt(std::int64_t batch_id, const std::string& latest_utc);
  // Batches not yet certified, oldest first, for `alur-relay queue`. A failed batch is left
  // out once none of its leases is waiting to be resent.
  Result<std::vector<BatchRow>> unfinishedBatches();
  Result<std::vector<UploadAttempt>> uploadAttempts(std::int64_t batch_id);
  // Batches uploaded but not yet certified, and batches certified in the last week that lack a
  // receipt, for the receipts poller.
  Result<std::vector<BatchRow>> batchesAwaitingReceipts();
  Result<std::optional<BatchRow>> batchByName(const std::string& file_name);

  Status markUploading(std::int64_t batch_id, const std::string& now_utc);
  Status markUploaded(std::int64_t batch_id, const std::string& now_utc);
  // Records a failed attempt. A transient failure schedules the next one; a permanent one
  // moves the batch to failed.
  Status recordUploadFailure(std::int64_t batch_id, bool permanent, const std::string& error,
                             const std::string& now_utc, const std::string& next_attempt_utc);

  // Puts failed batches back to work after an operator fixed the cause. A batch that never
  // reached the platform goes back to built, with the same name and bytes. The leases of a
  // batch that the platform rejected as a whole go back to pending, for a new batch. Returns
  // the number of batches changed.
  Result<int> resendFailed(const std::string& now_utc);
  // Puts one batch back to work, in one transaction, if it is still in `expected_state` with
  // `expected_next_attempt` (what the operator was shown). A failed batch is handled as
  // resendFailed does; a batch waiting for a retry gets its next attempt now. Returns an error
  // naming the current state when the batch changed meanwhile or has nothing to resend.
  Result<ResendAction> resendBatch(std::int64_t batch_id, const std::string& expected_state,
                                   const std::string& expected_next_attempt,
                                   const std::string& now_utc);
  // Counts the leases of a batch rejected as a whole that resending would put back to pending.
  Result<int> countLeasesToRequeue(std::int64_t batch_id);

  // Receipts. Each returns false when the receipt was already recorded.
  Result<bool> recordReceipt(std::int64_t batch_id, const std::string& kind,
                             const std::string& remote_name, const std::string& local_path,
                             const std::string& sha256, const std::string& now_utc);
  Result<bool> hasReceipt(std::int64_t batch_id, const std::string& kind);

  // True when a lease of `siret` waits for a batch.
  Result<bool> hasPendingLeases(const std::string& siret);
  Status markAcknowledged(std::int64_t batch_id, const std::string& now_utc);
  Status markRejectedAsWhole(std::int64_t batch_id, const std::string& reason,
                             const std::string& now_utc);
  // Applies the integration report; returns the number of lines for dwellings that the batch
  // does not contain (kept in the log, not applied).
  Result<int> applyReport(std::int64_t batch_id, const std::vector<ReportLine>& lines,
                          const std::string& now_utc);
  Status recordCertificate(std::int64_t batch_id, const std::string& local_path,
                           const std::string& now_utc);

  // Facts about the service for the status command: "started_at", "pid", "version",
  // "postal_table_edition". getMeta returns an empty string for a missing key.
  Status setMeta(const std::string& key, const std::string& value);
  Result<std::string> getMeta(const std::string& key);

  // Reading for the status command and the tests.
  Result<Overview> overview();
  Result<std::vector<LeaseView>> leasesInState(const std::string& state);
  Result<std::vector<std::string>> dwellingIdsOfBatch(std::int64_t batch_id);
  Result<std::string> integrityCheck();

  Database& database() { return db_; }

 private:
  explicit Store(Database db) : db_(std::move(db)) {}
  void migrate();

  Database db_;
  std::unique_ptr<WriteTransaction> import_;
};

}  // namespace alur::store
