// The path of a lease through the service: import an export, build a batch, upload it, and
// collect what the platform returns. The run loop decides when; this class does the work, on
// one thread, and keeps no state that the database does not also hold, apart from what it last
// logged about failing uploads.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "ingest/profile.h"
#include "lease/postal_table.h"
#include "schedule/upload_retry.h"
#include "store/store.h"
#include "transport/transport.h"

namespace alur::service {

// A server certificate that expires within this many days is logged as a warning, and the
// status endpoint reports it in /health.
constexpr int kCertificateWarningDays = 30;

using TransportFactory = std::function<std::unique_ptr<transport::Transport>()>;

enum class ImportOutcome { kImported, kAlreadyImported, kQuarantined };

class Pipeline {
 public:
  Pipeline(const config::Config& config, store::Store& store, const ingest::Profile& profile,
           const lease::PostalTable& postal_table, TransportFactory transports, const Clock& clock);

  // Imports the whole export, or nothing: a file that cannot be read as a whole is moved to
  // the quarantine folder with a text file giving the reason. An error return means that the
  // database could not be written or the file could not be moved to quarantine. The file then
  // stays in place and is tried again later.
  Result<ImportOutcome> importFile(const std::filesystem::path& file);

  // Puts every pending lease into a new batch and writes its file to the outbox. Returns
  // false when nothing was pending.
  Result<bool> buildBatch();

  // Uploads every batch whose next attempt is due, classifying failures: a transient one is
  // retried after a capped exponential backoff with full jitter, a permanent one stops the
  // batch until an operator acts.
  Status uploadDueBatches();

  // Fetches the acknowledgement, report and certificate of uploaded batches into the archive
  // and applies them to the batches and leases.
  Status pollReceipts();

  // True when some uploaded batch still waits for a receipt.
  Result<bool> awaitingReceipts();

  // True when valid leases of the configured SIRET wait for a batch, as after a stop between an
  // import and its batch. Leases of an earlier SIRET never go into a batch of this one.
  Result<bool> hasPendingLeases();

  // Finishes what a stop or a crash interrupted in the outbox. The file of a batch whose upload
  // was recorded moves to the sent folder. Leftovers of interrupted writes and comparisons
  // (".tmp", ".remote", ".part") are removed. Call before the first upload.
  void tidyOutbox();

 private:
  Status writeOutboxFile(const store::BatchRow& batch);
  bool isAcknowledged(transport::Transport& transport, const store::BatchRow& batch,
                      std::optional<std::unordered_set<std::string>>& returned);
  Status recordUploaded(const store::BatchRow& batch, const std::filesystem::path& local);
  void recordCertificateExpiry(const transport::Transport& transport);
  Result<std::pair<std::filesystem::path, std::string>> archiveReceipt(
      transport::Transport& transport, const store::BatchRow& batch,
      const std::string& remote_name);
  void noteUnknownReturns(const std::vector<std::string>& names);
  Status collectReceipt(transport::Transport& transport, const store::BatchRow& batch,
                        const std::string& kind, const std::string& remote_name);
  std::chrono::seconds retryDelay(int attempts);
  void reportUploadFailure(const store::BatchRow& batch, int attempt,
                           const transport::TransferResult& result, std::chrono::seconds delay);
  void reportUploadRecovery(const store::BatchRow& batch);
  // Moves an unreadable export to the quarantine folder with a note giving `reason`. Returns an
  // error when the file could not be moved, so that it is tried again.
  Status quarantine(const std::filesystem::path& file, const std::string& reason);

  const config::Config& config_;
  store::Store& store_;
  const ingest::Profile& profile_;
  const lease::PostalTable& postal_table_;
  TransportFactory transports_;
  const Clock& clock_;
  std::mt19937_64 random_;
  std::unordered_set<std::string> unknown_returns_;  // logged once each
  schedule::UploadRetries retries_;
  std::string recorded_certificate_expiry_;  // last value written to the meta table

  // The cause of the last transient upload failure logged as an error.
  struct ReportedFailure {
    int error_code = 0;
    long ftp_code = 0;
    bool operator==(const ReportedFailure&) const = default;
  };
  std::optional<ReportedFailure> reported_failure_;
  int failed_attempts_ = 0;    // failed upload attempts since the last success
  std::string failing_since_;  // UTC time of the first of them
};

}  // namespace alur::service
