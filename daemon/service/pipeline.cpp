#include "service/pipeline.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <unordered_set>

#include "batch/official_file.h"
#include "common/files.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/test_pause.h"
#include "ingest/export_reader.h"
#include "lease/validate.h"
#include "receipts/receipts.h"

namespace alur::service {
namespace {

lease::Date today(const Clock& clock) {
  LocalDate d = localDate(clock.now());
  return {d.year, d.month, d.day};
}

// Modification time in nanoseconds since the Unix epoch, or 0 when it cannot be read.
std::int64_t mtimeNs(const std::filesystem::path& file) {
  std::optional<FileState> state = regularFileState(file);
  return state ? state->modified_ns : 0;
}

}  // namespace

Pipeline::Pipeline(const config::Config& config, store::Store& store,
                   const ingest::Profile& profile, const lease::PostalTable& postal_table,
                   TransportFactory transports, const Clock& clock)
    : config_(config),
      store_(store),
      profile_(profile),
      postal_table_(postal_table),
      transports_(std::move(transports)),
      clock_(clock),
      random_(std::random_device{}()),
      retries_(clock, std::chrono::seconds(config.schedule.retry_max_seconds)) {}

Result<ImportOutcome> Pipeline::importFile(const std::filesystem::path& file) {
  auto log = logger("ingest");
  auto hash = sha256File(file);
  if (!hash) {
    return hash.status();
  }
  auto last = store_.lastImportHash(file.string());
  if (!last) {
    return last.status();
  }
  if (*last == *hash) {
    log->info("skipped file={} reason=\"same content as the last import of this file\"",
              file.string());
    return ImportOutcome::kAlreadyImported;
  }

  store::ImportSummary summary;
  summary.path = file.string();
  summary.sha256 = *hash;
  std::error_code ec;
  summary.size = std::filesystem::file_size(file, ec);
  summary.mtime_ns = mtimeNs(file);
  if (Status begun = store_.beginImport(); !begun) {
    return begun;
  }
  lease::Date day = today(clock_);
  std::unordered_set<std::string> ids_in_file;
  bool store_failed = false;
  Status read = ingest::readExport(file, profile_, [&](ingest::ExportRow&& row) -> Status {
    // The first line of a dwelling wins: comparing a later line with the row the first one
    // just wrote would queue an unchanged lease again.
    if (!ids_in_file.insert(row.record.dwelling_id).second) {
      log->warn(
          "duplicate dwelling file={} line={} dwelling={} action=\"line ignored, the "
          "first line of this dwelling is kept\"",
          file.string(), row.line, row.record.dwelling_id);
      ++summary.duplicates;
      return Status::Ok();
    }
    lease::Classification classification =
        lease::validateAndClassify(row.record, postal_table_, day, row.issues);
    auto change =
        store_.importLease(config_.contributor.siret, row.record, row.issues, classification);
    if (!change) {
      store_failed = true;
      return change.status();
    }
    ++summary.rows;
    summary.valid += classification == lease::Classification::kValid;
    summary.invalid += classification == lease::Classification::kInvalid;
    summary.out_of_scope += classification == lease::Classification::kOutOfScope;
    summary.new_leases += *change == store::LeaseChange::kNew;
    summary.changed += *change == store::LeaseChange::kChanged;
    summary.unchanged += *change == store::LeaseChange::kUnchanged;
    summary.queued += classification == lease::Classification::kValid &&
                      *change != store::LeaseChange::kUnchanged;
    return Status::Ok();
  });
  if (!read) {
    store_.rollbackImport();
    // A database error leaves the file in place; only an unreadable file goes to quarantine.
    if (store_failed) {
      return read;
    }
    if (Status moved = quarantine(file, read.message()); !moved) {
      return moved;
    }
    return ImportOutcome::kQuarantined;
  }
  pauseAtTestPoint("import-stored");
  if (Status committed = store_.commitImport(summary); !committed) {
    store_.rollbackImport();
    return committed;
  }
  pauseAtTestPoint("import-committed");
  log->info(
      "imported file={} rows={} valid={} invalid={} out_of_scope={} new={} changed={} "
      "unchanged={} queued={}",
      file.string(), summary.rows, summary.valid, summary.invalid, summary.out_of_scope,
      summary.new_leases, summary.changed, summary.unchanged, summary.queued, summary.duplicates);
  return ImportOutcome::kImported;
}

Status Pipeline::quarantine(const std::filesystem::path& file, const std::string& reason) {
  auto log = logger("ingest");
  std::string stamp = formatUtc(clock_.now());
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  std::filesystem::path target = config_.quarantineDir() / (stamp + "_" + file.filename().string());
  std::error_code ec;
  std::filesystem::create_directories(config_.quarantineDir(), ec);
  std::filesystem::rename(file, target, ec);
  if (ec) {
    // Another file system: copy, then remove the original. A failed copy (a full disk) leaves
    // the export in place, without a partial copy, for the next attempt.
    std::filesystem::copy_file(file, target, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(target, ignored);
      return Status::Error("cannot move " + file.string() + " to the quarantine folder " +
                           config_.quarantineDir().string() + ": " + ec.message() +
                           "; the file stays in the export folder and is tried again");
    }
    std::filesystem::remove(file, ec);
    if (ec) {
      log->error("cannot remove file={} after copying it to quarantine error=\"{}\"", file.string(),
                 ec.message());
    }
  }
  std::filesystem::path note = target;
  note += ".reason.txt";
  std::string text = "File: " + file.string() + "\nQuarantined: " + formatUtc(clock_.now()) +
                     "\nReason: " + reason +
                     "\nNothing from this file was imported. Correct the export (or the "
                     "profile) and write the file again into the export folder.\n";
  Status written = writeFileDurably(note, text);
  log->error("quarantined file={} moved_to={} reason=\"{}\"{}", file.string(), target.string(),
             reason, written ? "" : " note_error=\"" + written.message() + "\"");
  return Status::Ok();
}

Result<bool> Pipeline::buildBatch() {
  auto log = logger("batch");
  lease::Date survey = today(clock_);
  std::vector<std::string> warnings;
  const auto& contributor = config_.contributor;
  const auto& options = config_.file_options;
  auto built = store_.buildBatch(
      contributor.siret, survey.year, survey,
      [&](int year, int sequence) {
        return batch::fileName(year, contributor.ident_pro, sequence);
      },
      [&](int count) { return batch::headerLine(survey.year, contributor, count, options); },
      [&](const lease::LeaseRecord& record, const std::optional<lease::Date>& previous) {
        return batch::dwellingLine(record, contributor, options, survey, previous, &warnings);
      },
      options.line_ending);
  if (!built) {
    return built.status();
  }
  if (!*built) {
    return false;
  }
  for (const auto& warning : warnings) {
    log->warn("batch={} truncated=\"{}\"", (*built)->file_name, warning);
  }
  log->info("built batch={} leases={} sha256={}", (*built)->file_name, (*built)->lease_count,
            (*built)->sha256);
  pauseAtTestPoint("batch-committed");
  if (Status written = writeOutboxFile(**built); !written) {
    // The batch is committed. The upload step writes the file again before sending it, and
    // reports the error if that fails too.
    log->warn("batch={} error=\"{}\" action=\"written again before the upload\"",
              (*built)->file_name, written.message());
  }
  return true;
}

Status Pipeline::writeOutboxFile(const store::BatchRow& batch) {
  std::filesystem::path path = config_.outboxDir() / batch.file_name;
  auto existing = sha256File(path);
  if (existing && *existing == batch.sha256) {
    return Status::Ok();
  }
  auto bytes = store_.batchBytes(batch.id);
  if (!bytes) {
    return bytes.status();
  }
  return writeFileDurably(path, *bytes);
}

std::chrono::seconds Pipeline::retryDelay(int attempts) {
  const auto& s = config_.schedule;
  double ceiling = s.retry_initial_seconds * std::pow(2.0, std::min(attempts - 1, 30));
  ceiling = std::min<double>(ceiling, s.retry_max_seconds);
  std::uniform_real_distribution<double> jitter(0.0, ceiling);
  return std::chrono::seconds(std::max<long>(1, static_cast<long>(jitter(random_))));
}

// An upload was started before a crash or a failure: when its acknowledgement is back, the
// platform has the file (and may have moved it out of the upload folder), so it must not be
// sent again. The return folder is listed once per round, into `returned`.
bool Pipeline::isAcknowledged(transport::Transport& transport, const store::BatchRow& batch,
                              std::optional<std::unordered_set<std::string>>& returned) {
  if (!returned) {
    std::vector<std::string> names;
    returned.emplace();
    if (transport.list(config_.return_dir, &names).ok()) {
      returned->insert(names.begin(), names.end());
    }
  }
  return returned->count(receipts::receiptName(config_.receipts.ack_pattern, batch.file_name)) > 0;
}

// Records the upload, then moves the local file from the outbox to the sent folder.
Status Pipeline::recordUploaded(const store::BatchRow& batch, const std::filesystem::path& local) {
  if (Status marked = store_.markUploaded(batch.id, formatUtc(clock_.now())); !marked) {
    return marked;
  }
  pauseAtTestPoint("upload-recorded");
  std::error_code ec;
  std::filesystem::create_directories(config_.sentDir(), ec);
  if (Status moved = renameDurably(local, config_.sentDir() / batch.file_name); !moved) {
    logger("upload")->warn("batch={} error=\"{}\"", batch.file_name, moved.message());
  }
  return Status::Ok();
}

// Records the platform certificate's expiry for the status outputs, and warns once per
// certificate when it expires within kCertificateWarningDays.
void Pipeline::recordCertificateExpiry(const transport::Transport& transport) {
  auto expiry = transport.serverCertificateExpiry();
  if (!expiry) {
    return;
  }
  std::string text = formatUtc(*expiry);
  if (text == recorded_certificate_expiry_) {
    return;
  }
  if (Status recorded = store_.setMeta("server_certificate_expires_at", text); !recorded) {
    logger("upload")->warn("error=\"{}\"", recorded.message());
    return;
  }
  recorded_certificate_expiry_ = text;
  auto left = std::chrono::duration_cast<std::chrono::hours>(*expiry - clock_.now()).count() / 24;
  if (left < kCertificateWarningDays) {
    logger("upload")->warn(
        "server certificate of {}:{} expires at {} ({} days left); the "
        "platform must renew it, or uploads will fail",
        config_.ftps.host, config_.ftps.port, text, left);
  }
}

// A permanent failure stops its batch, so it is logged as an error each time. A transient one
// is logged as an error when its cause differs from the last one reported, and otherwise as an
// info line, so that an outage of days gives one error and one recovery, not one per retry.
void Pipeline::reportUploadFailure(const store::BatchRow& batch, int attempt,
                                   const transport::TransferResult& result,
                                   std::chrono::seconds delay) {
  auto log = logger("upload");
  if (failed_attempts_ == 0) {
    failing_since_ = formatUtc(clock_.now());
  }
  ++failed_attempts_;
  if (result.outcome == transport::Outcome::kPermanent) {
    log->error(
        "upload failed batch={} attempt={} error=\"{}\" action=\"fix the cause, then "
        "run alur-relay resend\"",
        batch.file_name, attempt, result.message);
    reported_failure_.reset();
    return;
  }
  const ReportedFailure cause{result.error_code, result.ftp_code};
  if (reported_failure_ == cause) {
    log->info("upload failed again batch={} attempt={} delay={}s error=\"{}\"", batch.file_name,
              attempt, delay.count(), result.message);
    return;
  }
  reported_failure_ = cause;
  log->error(
      "upload failed batch={} attempt={} delay={}s error=\"{}\" action=\"retrying with a "
      "backoff of at most {}s; the next error is logged when the cause changes, and a line "
      "when uploads succeed again\"",
      batch.file_name, attempt, delay.count(), result.message, config_.schedule.retry_max_seconds);
}

void Pipeline::reportUploadRecovery(const store::BatchRow& batch) {
  if (failed_attempts_ == 0) {
    return;
  }
  logger("upload")->info("uploads recovered batch={} failed_attempts={} failing_since={}",
                         batch.file_name, failed_attempts_, failing_since_);
  failed_attempts_ = 0;
  failing_since_.clear();
  reported_failure_.reset();
}

Status Pipeline::uploadDueBatches() {
  auto log = logger("upload");
  auto due = retries_.dueBatches(store_);
  if (!due) {
    return due.status();
  }
  if (due->empty()) {
    return Status::Ok();
  }
  std::unique_ptr<transport::Transport> transport = transports_();
  std::optional<std::unordered_set<std::string>> returned;  // listed once, when needed
  for (const auto& batch : *due) {
    if (Status written = writeOutboxFile(batch); !written) {
      return written;
    }
    std::filesystem::path local = config_.outboxDir() / batch.file_name;
    if (batch.state == "uploading" && isAcknowledged(*transport, batch, returned)) {
      log->info("batch={} already acknowledged by the platform, not sent again", batch.file_name);
      if (Status marked = recordUploaded(batch, local); !marked) {
        return marked;
      }
      continue;
    }
    if (Status started = store_.markUploading(batch.id, formatUtc(clock_.now())); !started) {
      return started;
    }
    int attempt = batch.attempts + 1;
    log->info("uploading batch={} attempt={} host={}:{} dir={}", batch.file_name, attempt,
              config_.ftps.host, config_.ftps.port, config_.upload_dir);
    pauseAtTestPoint("upload-started");
    transport::TransferResult result =
        transport->upload(local, config_.upload_dir, batch.file_name, config_.temp_suffix);
    std::string now = formatUtc(clock_.now());
    if (result.ok()) {
      pauseAtTestPoint("upload-renamed");
      if (Status marked = recordUploaded(batch, local); !marked) {
        return marked;
      }
      log->info("uploaded batch={} attempt={} leases={}", batch.file_name, attempt,
                batch.lease_count);
      reportUploadRecovery(batch);
      continue;
    }
    bool permanent = result.outcome == transport::Outcome::kPermanent;
    auto delay = retryDelay(attempt);
    std::string next = permanent ? "" : retries_.scheduleRetry(batch.id, delay);
    if (Status recorded =
            store_.recordUploadFailure(batch.id, permanent, result.message, now, next);
        !recorded) {
      return recorded;
    }
    reportUploadFailure(batch, attempt, result, delay);
    if (!permanent) {
      break;  // the server is unreachable for the others too
    }
  }
  recordCertificateExpiry(*transport);
  return Status::Ok();
}

Result<bool> Pipeline::awaitingReceipts() {
  auto batches = store_.batchesAwaitingReceipts();
  if (!batches) {
    return batches.status();
  }
  return !batches->empty();
}

Result<bool> Pipeline::hasPendingLeases() {
  return store_.hasPendingLeases(config_.contributor.siret);
}

void Pipeline::tidyOutbox() {
  auto log = logger("batch");
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(config_.outboxDir(), ec)) {
    files.push_back(entry.path());
  }
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    auto batch = store_.batchByName(name);
    if (!batch) {
      log->warn("cannot tidy the outbox error=\"{}\"", batch.message());
      return;
    }
    if (*batch && !(*batch)->uploaded_at.empty()) {
      std::filesystem::create_directories(config_.sentDir(), ec);
      if (Status moved = renameDurably(file, config_.sentDir() / name); !moved) {
        log->warn("batch={} error=\"{}\"", name, moved.message());
      } else {
        log->info("moved the file of uploaded batch={} to {}", name, config_.sentDir().string());
      }
      continue;
    }
    const std::string extension = file.extension().string();
    if (!*batch && (extension == ".tmp" || extension == ".remote" || extension == ".part")) {
      std::filesystem::remove(file, ec);
      log->info("removed {} left by an interrupted write", file.string());
    }
  }
}

Status Pipeline::pollReceipts() {
  auto log = logger("receipts");
  auto batches = store_.batchesAwaitingReceipts();
  if (!batches) {
    return batches.status();
  }
  if (batches->empty()) {
    return Status::Ok();
  }
  std::unique_ptr<transport::Transport> transport = transports_();
  std::vector<std::string> names;
  transport::TransferResult listed = transport->list(config_.return_dir, &names);
  if (!listed.ok()) {
    log->warn("cannot list return folder dir={} error=\"{}\"", config_.return_dir, listed.message);
    return Status::Error(listed.message);
  }
  recordCertificateExpiry(*transport);
  noteUnknownReturns(names);
  std::unordered_set<std::string> present(names.begin(), names.end());
  const auto& r = config_.receipts;
  for (const auto& batch : *batches) {
    for (const auto& [kind, pattern] :
         {std::pair{"acknowledgement", r.ack_pattern}, std::pair{"report", r.report_pattern},
          std::pair{"certificate", r.certificate_pattern}}) {
      std::string name = receipts::receiptName(pattern, batch.file_name);
      if (present.count(name) == 0) {
        continue;
      }
      auto has = store_.hasReceipt(batch.id, kind);
      if (!has) {
        return has.status();
      }
      if (*has) {
        continue;
      }
      if (Status collected = collectReceipt(*transport, batch, kind, name); !collected) {
        log->warn("receipt not collected batch={} kind={} name={} error=\"{}\"", batch.file_name,
                  kind, name, collected.message());
      }
    }
  }
  return Status::Ok();
}

// Downloads a returned file into the batch's archive folder under a temporary name, then gives
// it its own name. Archived bytes are never overwritten: a file already there with the same
// bytes is reused (a download replayed after a crash), one with other bytes is kept and the new
// one is stored as NAME.2, NAME.3...
Result<std::pair<std::filesystem::path, std::string>> Pipeline::archiveReceipt(
    transport::Transport& transport, const store::BatchRow& batch, const std::string& remote_name) {
  std::string stem = receipts::receiptName("{stem}", batch.file_name);
  std::filesystem::path folder = config_.archiveDir() / stem;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  std::filesystem::path part = folder / (remote_name + ".part");
  transport::TransferResult got = transport.download(config_.return_dir, remote_name, part);
  if (!got.ok()) {
    std::filesystem::remove(part, ec);
    return Status::Error(got.message);
  }
  std::string bytes;
  if (Status read = readFile(part, bytes); !read) {
    return read;
  }
  std::filesystem::path local = folder / remote_name;
  for (int copy = 2; std::filesystem::exists(local, ec); ++copy) {
    std::string existing;
    if (readFile(local, existing).ok() && existing == bytes) {
      std::filesystem::remove(part, ec);
      return std::pair{local, bytes};
    }
    local = folder / (remote_name + "." + std::to_string(copy));
  }
  // Written again from memory through writeFileDurably, so that the bytes are on disk before
  // the name is and before the database records the receipt.
  if (Status written = writeFileDurably(local, bytes); !written) {
    return written;
  }
  std::filesystem::remove(part, ec);
  return std::pair{local, bytes};
}

// Logs, once per name and process, a returned file that belongs to no batch of this database.
void Pipeline::noteUnknownReturns(const std::vector<std::string>& names) {
  const auto& r = config_.receipts;
  for (const auto& name : names) {
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".part") == 0) {
      continue;
    }
    std::optional<std::string> stem;
    for (const auto* pattern : {&r.ack_pattern, &r.report_pattern, &r.certificate_pattern}) {
      if (!stem) {
        stem = receipts::stemOf(*pattern, name);
      }
    }
    if (!stem || unknown_returns_.count(name) > 0) {
      continue;
    }
    auto batch = store_.batchByName(*stem + ".CSV");
    if (batch && !*batch) {
      unknown_returns_.insert(name);
      logger("receipts")
          ->warn("returned file {} is for no batch of this database; left on the server", name);
    }
  }
}

Status Pipeline::collectReceipt(transport::Transport& transport, const store::BatchRow& batch,
                                const std::string& kind, const std::string& remote_name) {
  auto log = logger("receipts");
  if (!receipts::isSafeFileName(remote_name)) {
    return Status::Error("unsafe returned file name \"" + remote_name + "\" ignored");
  }
  auto archived = archiveReceipt(transport, batch, remote_name);
  if (!archived) {
    return archived.status();
  }
  pauseAtTestPoint("receipt-downloaded");
  const std::filesystem::path& local = archived->first;
  const std::string& bytes = archived->second;
  std::string now = formatUtc(clock_.now());
  Status applied;
  if (kind == std::string("acknowledgement")) {
    auto ack = receipts::parseAcknowledgement(bytes);
    if (!ack) {
      applied = ack.status();
    } else if ((!ack->sha256.empty() && ack->sha256 != batch.sha256) ||
               (!ack->size.empty() && ack->size != std::to_string(batch.size))) {
      // The platform received another file under this name (a restored database numbers
      // batches again from 001): none of its receipts may be applied to this batch.
      std::string error = "the acknowledgement " + remote_name + " is for another file (sha256 " +
                          ack->sha256 + ", " + ack->size + " bytes; this batch: " + batch.sha256 +
                          ", " + std::to_string(batch.size) +
                          " bytes). Its receipts are not applied; check the batch numbering.";
      log->error("batch={} error=\"{}\"", batch.file_name, error);
      applied = store_.recordUploadFailure(batch.id, true, error, now, "");
      if (applied) {
        return Status::Error(error);
      }
    } else if (ack->accepted) {
      applied = store_.markAcknowledged(batch.id, now);
    } else {
      log->error("platform rejected batch={} reason=\"{}\"", batch.file_name, ack->reason);
      applied = store_.markRejectedAsWhole(batch.id, ack->reason, now);
    }
  } else if (kind == std::string("report")) {
    auto lines = receipts::parseReport(bytes, config_.receipts);
    if (!lines) {
      applied = lines.status();
    } else {
      auto unknown = store_.applyReport(batch.id, *lines, now);
      if (!unknown) {
        applied = unknown.status();
      } else {
        int rejected = static_cast<int>(std::count_if(
            lines->begin(), lines->end(), [](const auto& l) { return l.status == "rejected"; }));
        log->info("report batch={} lines={} rejected={} unknown_dwellings={}", batch.file_name,
                  lines->size(), rejected, *unknown);
      }
    }
  } else {
    applied = store_.recordCertificate(batch.id, local.string(), now);
    if (applied) {
      log->info("certificate batch={} path={}", batch.file_name, local.string());
    }
  }
  if (!applied) {
    return applied;
  }
  pauseAtTestPoint("receipt-applied");
  auto hash = sha256Hex(bytes);
  auto recorded = store_.recordReceipt(batch.id, kind, remote_name, local.string(), hash, now);
  return recorded.status();
}

}  // namespace alur::service
