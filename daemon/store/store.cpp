#include "store/store.h"

#include <cstdio>

#include "common/clock.h"
#include "common/hash.h"
#include "lease/record_json.h"
#include "store/filesystem_check.h"
#include "store/guarded.h"
#include "store/schema.h"

namespace alur::store {
namespace {

std::string nowUtc() { return formatUtc(std::chrono::system_clock::now()); }

const char* stateOf(lease::Classification classification) {
  switch (classification) {
    case lease::Classification::kValid:
      return "pending";
    case lease::Classification::kInvalid:
      return "invalid";
    case lease::Classification::kOutOfScope:
      return "out_of_scope";
  }
  return "invalid";
}

std::optional<lease::Date> parseIsoDate(const std::string& text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d", &year, &month, &day) != 3) {
    return std::nullopt;
  }
  return lease::Date{year, month, day};
}

BatchRow readBatch(Statement& s) {
  BatchRow row;
  row.id = s.integer(0);
  row.year = static_cast<int>(s.integer(1));
  row.sequence = static_cast<int>(s.integer(2));
  row.file_name = s.text(3);
  row.sha256 = s.text(4);
  row.size = s.integer(5);
  row.lease_count = static_cast<int>(s.integer(6));
  row.state = s.text(7);
  row.attempts = static_cast<int>(s.integer(8));
  row.next_attempt_at = s.text(9);
  row.last_error = s.text(10);
  row.created_at = s.text(11);
  row.uploaded_at = s.text(12);
  row.certificate_path = s.text(13);
  row.acknowledged_at = s.text(14);
  return row;
}

constexpr const char* kBatchColumns =
    "SELECT id, year, sequence, file_name, sha256, size, lease_count, state, attempts, "
    "next_attempt_at, last_error, created_at, uploaded_at, certificate_path, acknowledged_at "
    "FROM batch ";

// Moves the leases of a batch from one state to another, but only those whose current version
// is the one in the batch: a lease changed since has moved back to pending and stays there.
void moveBatchLeases(Database& db, std::int64_t batch_id, const std::string& from,
                     const std::string& to) {
  db.prepare(
        "UPDATE lease SET state = ?1, updated_at = ?2 WHERE last_batch_id = ?3 AND state = ?4 "
        "AND EXISTS (SELECT 1 FROM batch_line b WHERE b.batch_id = ?3 AND b.siret = lease.siret "
        "AND b.dwelling_id = lease.dwelling_id AND b.fingerprint = lease.fingerprint)")
      .bind(1, to)
      .bind(2, nowUtc())
      .bind(3, batch_id)
      .bind(4, from)
      .run();
}

// Selects the leases of failed batches that the platform rejected as a whole and that no
// report line judged, which resending puts back to pending. ?2 is the id of one batch, or NULL
// for every failed batch.
constexpr const char* kLeasesToRequeue =
    "state = 'rejected' AND last_batch_id IN (SELECT id FROM batch WHERE state = 'failed' AND "
    "uploaded_at IS NOT NULL AND (?2 IS NULL OR id = ?2)) AND EXISTS (SELECT 1 FROM batch_line "
    "b WHERE b.batch_id = lease.last_batch_id AND b.dwelling_id = lease.dwelling_id AND "
    "b.platform_status IS NULL)";

void bindBatchOrAll(Statement& s, std::optional<std::int64_t> batch_id) {
  if (batch_id) {
    s.bind(2, *batch_id);
  } else {
    s.bind(2, std::optional<std::string>());
  }
}

// Puts the leases selected by kLeasesToRequeue back to pending and returns their number.
int requeueRejectedLeases(Database& db, std::optional<std::int64_t> batch_id,
                          const std::string& now_utc) {
  auto s = db.prepare(std::string("UPDATE lease SET state = 'pending', queued_at = ?1, "
                                  "platform_reason = NULL, updated_at = ?1 WHERE ") +
                      kLeasesToRequeue);
  s.bind(1, now_utc);
  bindBatchOrAll(s, batch_id);
  s.run();
  return db.changes();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::Error("cannot create the state folder " + path.parent_path().string() + ": " +
                         ec.message());
  }
  std::string network = networkFileSystemOf(path.parent_path());
  if (!network.empty()) {
    return Status::Error("the database folder " + path.parent_path().string() + " is on a " +
                         network +
                         " network file system; SQLite's write-ahead log needs a "
                         "local disk. Set [service] state_dir to a local folder.");
  }
  return guarded("cannot open the database " + path.string(),
                 [&]() -> Result<std::unique_ptr<Store>> {
                   Database db(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
                   db.exec("PRAGMA busy_timeout = 10000");
                   db.exec("PRAGMA journal_mode = WAL");
                   db.exec("PRAGMA synchronous = FULL");
                   db.exec("PRAGMA foreign_keys = ON");
                   std::unique_ptr<Store> store(new Store(std::move(db)));
                   store->migrate();
                   return store;
                 });
}

Result<std::unique_ptr<Store>> Store::openReadOnly(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    return Status::Error("no database at " + path.string() +
                         ": the service has not run yet with this configuration");
  }
  return guarded("cannot open the database " + path.string(),
                 [&]() -> Result<std::unique_ptr<Store>> {
                   Database db(path.string(), SQLITE_OPEN_READONLY);
                   db.exec("PRAGMA busy_timeout = 5000");
                   std::unique_ptr<Store> store(new Store(std::move(db)));
                   auto version = store->db_.prepare("PRAGMA user_version");
                   version.step();
                   if (version.integer(0) > kSchemaVersion) {
                     return Status::Error(
                         "the database was written by a newer version of "
                         "alur-relay (schema " +
                         std::to_string(version.integer(0)) + ")");
                   }
                   return store;
                 });
}

void Store::migrate() {
  // The version is read inside the write transaction, so two processes that open a new database
  // at the same time do not both run the first migration.
  const auto& steps = migrations();
  while (true) {
    WriteTransaction tx(db_);
    auto version_query = db_.prepare("PRAGMA user_version");
    version_query.step();
    int version = static_cast<int>(version_query.integer(0));
    version_query.reset();
    if (version > kSchemaVersion) {
      throw SqliteError(SQLITE_ERROR,
                        "the database has schema version " + std::to_string(version) +
                            ", written by a newer version of alur-relay; this one writes "
                            "version " +
                            std::to_string(kSchemaVersion) +
                            ". Install the newer version again, or restore a backup.");
    }
    if (version >= static_cast<int>(steps.size())) {
      return;
    }
    db_.exec(steps[version]);
    db_.exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

Result<std::string> Store::lastImportHash(const std::string& path) {
  return guarded("cannot look up an imported file", [&]() -> Result<std::string> {
    auto s = db_.prepare("SELECT sha256 FROM import_file WHERE path = ?1 ORDER BY id DESC LIMIT 1");
    s.bind(1, path);
    return s.step() ? s.text(0) : std::string();
  });
}

Status Store::beginImport() {
  return guarded("cannot start an import", [&]() -> Status {
    import_ = std::make_unique<WriteTransaction>(db_);
    return Status::Ok();
  });
}

Result<LeaseChange> Store::importLease(const std::string& siret, const lease::LeaseRecord& record,
                                       const std::vector<lease::Issue>& issues,
                                       lease::Classification classification) {
  return guarded("cannot store lease " + record.dwelling_id, [&]() -> Result<LeaseChange> {
    std::string fp = lease::fingerprint(record);
    std::string now = nowUtc();
    std::string state = stateOf(classification);
    auto find =
        db_.prepare("SELECT fingerprint, state FROM lease WHERE siret = ?1 AND dwelling_id = ?2");
    find.bind(1, siret).bind(2, record.dwelling_id);
    if (!find.step()) {
      db_.prepare(
             "INSERT INTO lease (siret, dwelling_id, fingerprint, state, record_json, "
             "issues_json, first_seen_at, updated_at, queued_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)")
          .bind(1, siret)
          .bind(2, record.dwelling_id)
          .bind(3, fp)
          .bind(4, state)
          .bind(5, lease::recordToJson(record))
          .bind(6, lease::issuesToJson(issues))
          .bind(7, now)
          .bind(8, state == "pending" ? std::optional<std::string>(now) : std::nullopt)
          .run();
      return LeaseChange::kNew;
    }
    std::string old_fp = find.text(0);
    std::string old_state = find.text(1);
    if (old_fp == fp) {
      // Same data. Only a lease never sent may change class, because the validation depends
      // on the day (a move-in date no longer in the future) and on the reference table.
      bool unsent = old_state == "pending" || old_state == "invalid";
      std::string new_state = unsent && state != "out_of_scope" ? state : old_state;
      db_.prepare(
             "UPDATE lease SET state = ?3, issues_json = ?4, record_json = ?5, "
             "queued_at = CASE WHEN ?3 = 'pending' AND state <> 'pending' THEN ?6 ELSE queued_at "
             "END WHERE siret = ?1 AND dwelling_id = ?2")
          .bind(1, siret)
          .bind(2, record.dwelling_id)
          .bind(3, new_state)
          .bind(4, lease::issuesToJson(issues))
          .bind(5, lease::recordToJson(record))
          .bind(6, now)
          .run();
      return LeaseChange::kUnchanged;
    }
    db_.prepare(
           "UPDATE lease SET fingerprint = ?3, state = ?4, record_json = ?5, issues_json = ?6, "
           "updated_at = ?7, queued_at = ?8, platform_reason = NULL "
           "WHERE siret = ?1 AND dwelling_id = ?2")
        .bind(1, siret)
        .bind(2, record.dwelling_id)
        .bind(3, fp)
        .bind(4, state)
        .bind(5, lease::recordToJson(record))
        .bind(6, lease::issuesToJson(issues))
        .bind(7, now)
        .bind(8, state == "pending" ? std::optional<std::string>(now) : std::nullopt)
        .run();
    return LeaseChange::kChanged;
  });
}

Status Store::commitImport(const ImportSummary& s) {
  return guarded("cannot commit the import of " + s.path, [&]() -> Status {
    db_.prepare(
           "INSERT INTO import_file (path, sha256, size, mtime_ns, imported_at, rows, valid, "
           "invalid, out_of_scope, new_leases, changed, unchanged, queued) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
        .bind(1, s.path)
        .bind(2, s.sha256)
        .bind(3, static_cast<std::int64_t>(s.size))
        .bind(4, s.mtime_ns)
        .bind(5, nowUtc())
        .bind(6, s.rows)
        .bind(7, s.valid)
        .bind(8, s.invalid)
        .bind(9, s.out_of_scope)
        .bind(10, s.new_leases)
        .bind(11, s.changed)
        .bind(12, s.unchanged)
        .bind(13, s.queued)
        .run();
    import_->commit();
    import_.reset();
    return Status::Ok();
  });
}

void Store::rollbackImport() { import_.reset(); }

Result<std::optional<BatchRow>> Store::buildBatch(
    const std::string& siret, int year, const lease::Date& survey_date,
    const std::function<std::string(int, int)>& name_for, const HeaderFormatter& header,
    const LineFormatter& line, const std::string& line_ending) {
  return guarded("cannot build a batch", [&]() -> Result<std::optional<BatchRow>> {
    WriteTransaction tx(db_);
    auto pending = db_.prepare(
        "SELECT dwelling_id, record_json, fingerprint, last_survey_date FROM lease "
        "WHERE siret = ?1 AND state = 'pending' ORDER BY dwelling_id");
    pending.bind(1, siret);
    struct Item {
      std::string dwelling_id;
      std::string fingerprint;
      std::string line;
    };
    std::vector<Item> items;
    while (pending.step()) {
      auto record = lease::recordFromJson(pending.text(1));
      if (!record) {
        return record.status();
      }
      items.push_back(
          {pending.text(0), pending.text(2), line(*record, parseIsoDate(pending.text(3)))});
    }
    if (items.empty()) {
      return std::optional<BatchRow>();
    }
    auto last = db_.prepare("SELECT COALESCE(MAX(sequence), 0) FROM batch WHERE year = ?1");
    last.bind(1, year);
    last.step();
    int sequence = static_cast<int>(last.integer(0)) + 1;
    if (sequence > 999) {
      return Status::Error("999 batches were already built for " + std::to_string(year) +
                           "; the official file name has room for three digits only");
    }
    BatchRow row;
    row.year = year;
    row.sequence = sequence;
    row.file_name = name_for(year, sequence);
    row.lease_count = static_cast<int>(items.size());
    row.state = "built";
    row.created_at = nowUtc();
    std::string head = header(row.lease_count);
    std::string bytes = head + line_ending;
    for (const auto& item : items) {
      bytes += item.line + line_ending;
    }
    row.sha256 = sha256Hex(bytes);
    row.size = static_cast<std::int64_t>(bytes.size());
    db_.prepare(
           "INSERT INTO batch (year, sequence, file_name, header, line_ending, sha256, size, "
           "lease_count, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'built', ?9)")
        .bind(1, year)
        .bind(2, sequence)
        .bind(3, row.file_name)
        .bindBlob(4, head)
        .bind(5, line_ending)
        .bind(6, row.sha256)
        .bind(7, row.size)
        .bind(8, row.lease_count)
        .bind(9, row.created_at)
        .run();
    row.id = db_.lastInsertId();
    auto insert_line = db_.prepare(
        "INSERT INTO batch_line (batch_id, line_no, siret, dwelling_id, fingerprint, line) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    auto move_lease = db_.prepare(
        "UPDATE lease SET state = 'batched', last_batch_id = ?1, last_survey_date = ?2, "
        "updated_at = ?3 WHERE siret = ?4 AND dwelling_id = ?5");
    int line_no = 0;
    for (const auto& item : items) {
      insert_line.bind(1, row.id)
          .bind(2, ++line_no)
          .bind(3, siret)
          .bind(4, item.dwelling_id)
          .bind(5, item.fingerprint)
          .bindBlob(6, item.line)
          .run();
      move_lease.bind(1, row.id)
          .bind(2, survey_date.iso())
          .bind(3, row.created_at)
          .bind(4, siret)
          .bind(5, item.dwelling_id)
          .run();
    }
    tx.commit();
    return std::optional<BatchRow>(row);
  });
}

Result<std::string> Store::batchBytes(std::int64_t batch_id) {
  return guarded("cannot read batch " + std::to_string(batch_id), [&]() -> Result<std::string> {
    auto head = db_.prepare("SELECT header, line_ending, sha256 FROM batch WHERE id = ?1");
    head.bind(1, batch_id);
    if (!head.step()) {
      return Status::Error("no batch with id " + std::to_string(batch_id));
    }
    std::string line_ending = head.text(1);
    std::string bytes = head.blob(0) + line_ending;
    auto lines = db_.prepare("SELECT line FROM batch_line WHERE batch_id = ?1 ORDER BY line_no");
    lines.bind(1, batch_id);
    while (lines.step()) {
      bytes += lines.blob(0) + line_ending;
    }
    if (sha256Hex(bytes) != head.text(2)) {
      return Status::Error("the stored lines of batch " + std::to_string(batch_id) +
                           " no longer match the hash committed when it was built");
    }
    return bytes;
  });
}

Result<std::vector<BatchRow>> Store::batchesDueForUpload(const std::string& now_utc) {
  return guarded("cannot list batches to upload", [&]() -> Result<std::vector<BatchRow>> {
    auto s = db_.prepare(std::string(kBatchColumns) +
                         "WHERE state IN ('built', 'uploading') AND "
                         "(next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY id");
    s.bind(1, now_utc);
    std::vector<BatchRow> rows;
    while (s.step()) {
      rows.push_back(readBatch(s));
    }
    return rows;
  });
}

Result<std::vector<BatchRow>> Store::batchesWaitingForUpload() {
  return guarded("cannot list batches to upload", [&]() -> Result<std::vector<BatchRow>> {
    auto s = db_.prepare(std::string(kBatchColumns) +
                         "WHERE state IN ('built', 'uploading') ORDER BY id");
    std::vector<BatchRow> rows;
    while (s.step()) {
      rows.push_back(readBatch(s));
    }
    return rows;
  });
}

Status Store::clampNextAttempt(std::int64_t batch_id, const std::string& latest_utc) {
  return guarded("cannot move the next attempt of batch " + std::to_string(batch_id),
                 [&]() -> Status {
                   WriteTransaction tx(db_);
                   db_.prepare(
                          "UPDATE batch SET next_attempt_at = ?2 WHERE id = ?1 AND state IN "
                          "('built', 'uploading') AND next_attempt_at > ?2")
                       .bind(1, batch_id)
                       .bind(2, latest_utc)
                       .run();
                   tx.commit();
                   return Status::Ok();
                 });
}

Result<std::vector<BatchRow>> Store::unfinishedBatches() {
  return guarded("cannot list unfinished batches", [&]() -> Result<std::vector<BatchRow>> {
    auto s = db_.prepare(std::string(kBatchColumns) +
                         "WHERE state <> 'certified' AND (state <> 'failed' OR uploaded_at IS "
                         "NULL OR EXISTS (SELECT 1 FROM lease WHERE " +
                         kLeasesToRequeue + " AND last_batch_id = batch.id)) ORDER BY id");
    bindBatchOrAll(s, std::nullopt);
    std::vector<BatchRow> rows;
    while (s.step()) {
      rows.push_back(readBatch(s));
    }
    return rows;
  });
}

Result<std::vector<UploadAttempt>> Store::uploadAttempts(std::int64_t batch_id) {
  return guarded("cannot list upload attempts", [&]() -> Result<std::vector<UploadAttempt>> {
    auto s = db_.prepare(
        "SELECT at, result, message FROM upload_attempt WHERE batch_id = ?1 ORDER BY id");
    s.bind(1, batch_id);
    std::vector<UploadAttempt> rows;
    while (s.step()) {
      rows.push_back({s.text(0), s.text(1), s.text(2)});
    }
    return rows;
  });
}

Result<std::vector<BatchRow>> Store::batchesAwaitingReceipts() {
  return guarded("cannot list batches awaiting receipts", [&]() -> Result<std::vector<BatchRow>> {
    // A certified batch still waits, for a week, for a receipt that comes after its
    // certificate, such as a late acknowledgement, so that its bytes reach the archive too.
    auto s = db_.prepare(std::string(kBatchColumns) +
                         "WHERE state IN ('uploaded', 'acknowledged', 'reported') OR (state = "
                         "'certified' AND certified_at > ?1 AND (SELECT COUNT(*) FROM receipt r "
                         "WHERE r.batch_id = batch.id) < 3) ORDER BY id");
    s.bind(1, formatUtc(std::chrono::system_clock::now() - std::chrono::hours(24 * 7)));
    std::vector<BatchRow> rows;
    while (s.step()) {
      rows.push_back(readBatch(s));
    }
    return rows;
  });
}

Result<std::optional<BatchRow>> Store::batchByName(const std::string& file_name) {
  return guarded("cannot look up batch " + file_name, [&]() -> Result<std::optional<BatchRow>> {
    auto s = db_.prepare(std::string(kBatchColumns) + "WHERE file_name = ?1");
    s.bind(1, file_name);
    if (!s.step()) {
      return std::optional<BatchRow>();
    }
    return std::optional<BatchRow>(readBatch(s));
  });
}

Status Store::markUploading(std::int64_t batch_id, const std::string& now_utc) {
  return guarded("cannot mark batch uploading", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET state = 'uploading', attempts = attempts + 1, "
           "next_attempt_at = NULL WHERE id = ?1 AND state IN ('built', 'uploading')")
        .bind(1, batch_id)
        .run();
    db_.prepare(
           "INSERT INTO upload_attempt (batch_id, at, result, message) "
           "VALUES (?1, ?2, 'started', '')")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Status Store::markUploaded(std::int64_t batch_id, const std::string& now_utc) {
  return guarded("cannot mark batch uploaded", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET state = 'uploaded', uploaded_at = ?2, last_error = NULL, "
           "next_attempt_at = NULL WHERE id = ?1 AND state IN ('built', 'uploading')")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .run();
    db_.prepare(
           "INSERT INTO upload_attempt (batch_id, at, result, message) "
           "VALUES (?1, ?2, 'ok', '')")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .run();
    moveBatchLeases(db_, batch_id, "batched", "uploaded");
    tx.commit();
    return Status::Ok();
  });
}

Status Store::recordUploadFailure(std::int64_t batch_id, bool permanent, const std::string& error,
                                  const std::string& now_utc, const std::string& next_attempt_utc) {
  return guarded("cannot record an upload failure", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare("UPDATE batch SET state = ?2, last_error = ?3, next_attempt_at = ?4 WHERE id = ?1")
        .bind(1, batch_id)
        .bind(2, permanent ? "failed" : "uploading")
        .bind(3, error)
        .bind(4, permanent ? std::optional<std::string>() : next_attempt_utc)
        .run();
    db_.prepare(
           "INSERT INTO upload_attempt (batch_id, at, result, message) "
           "VALUES (?1, ?2, ?3, ?4)")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .bind(3, permanent ? "failed" : "retry")
        .bind(4, error)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Result<int> Store::resendFailed(const std::string& now_utc) {
  return guarded("cannot resend failed batches", [&]() -> Result<int> {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET state = 'built', attempts = 0, next_attempt_at = NULL, "
           "last_error = NULL WHERE state = 'failed' AND uploaded_at IS NULL")
        .run();
    int rebuilt = db_.changes();
    int requeued = requeueRejectedLeases(db_, std::nullopt, now_utc);
    db_.prepare(
           "UPDATE batch SET last_error = 'resent: its leases went into a new batch' "
           "WHERE state = 'failed' AND uploaded_at IS NOT NULL")
        .run();
    tx.commit();
    return rebuilt + (requeued > 0 ? 1 : 0);
  });
}

Result<ResendAction> Store::resendBatch(std::int64_t batch_id, const std::string& expected_state,
                                        const std::string& expected_next_attempt,
                                        const std::string& now_utc) {
  return guarded("cannot resend batch " + std::to_string(batch_id), [&]() -> Result<ResendAction> {
    WriteTransaction tx(db_);
    auto current = db_.prepare(std::string(kBatchColumns) + "WHERE id = ?1");
    current.bind(1, batch_id);
    if (!current.step()) {
      return Status::Error("no batch with id " + std::to_string(batch_id));
    }
    BatchRow row = readBatch(current);
    current.reset();
    if (row.state != expected_state || row.next_attempt_at != expected_next_attempt) {
      std::string next = row.next_attempt_at.empty() ? "" : ", next attempt " + row.next_attempt_at;
      return Status::Error("batch " + row.file_name + " changed meanwhile: it is now " + row.state +
                           next +
                           ". Nothing was changed; run the command again to see what it does now");
    }
    ResendAction action = ResendAction::kRetryNow;
    if (row.state == "failed" && row.uploaded_at.empty()) {
      db_.prepare(
             "UPDATE batch SET state = 'built', attempts = 0, next_attempt_at = NULL, "
             "last_error = NULL WHERE id = ?1")
          .bind(1, batch_id)
          .run();
      action = ResendAction::kBuiltAgain;
    } else if (row.state == "failed") {
      if (requeueRejectedLeases(db_, batch_id, now_utc) == 0) {
        return Status::Error("batch " + row.file_name +
                             " has no lease left to send again: they were resent already, or "
                             "changed since and wait in the queue");
      }
      db_.prepare(
             "UPDATE batch SET last_error = 'resent: its leases went into a new batch' "
             "WHERE id = ?1")
          .bind(1, batch_id)
          .run();
      action = ResendAction::kLeasesRequeued;
    } else if (row.state == "uploading" && !row.next_attempt_at.empty()) {
      db_.prepare("UPDATE batch SET next_attempt_at = NULL WHERE id = ?1").bind(1, batch_id).run();
    } else {
      return Status::Error("batch " + row.file_name + " is " + row.state +
                           ", with no failure or retry to act on; nothing was changed");
    }
    tx.commit();
    return action;
  });
}

Result<int> Store::countLeasesToRequeue(std::int64_t batch_id) {
  return guarded("cannot count the leases to resend", [&]() -> Result<int> {
    auto s = db_.prepare(std::string("SELECT COUNT(*) FROM lease WHERE ") + kLeasesToRequeue);
    bindBatchOrAll(s, batch_id);
    s.step();
    return static_cast<int>(s.integer(0));
  });
}

Result<bool> Store::recordReceipt(std::int64_t batch_id, const std::string& kind,
                                  const std::string& remote_name, const std::string& local_path,
                                  const std::string& sha256, const std::string& now_utc) {
  return guarded("cannot record a receipt", [&]() -> Result<bool> {
    auto s = db_.prepare(
        "INSERT OR IGNORE INTO receipt (batch_id, kind, remote_name, local_path, sha256, "
        "received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, batch_id)
        .bind(2, kind)
        .bind(3, remote_name)
        .bind(4, local_path)
        .bind(5, sha256)
        .bind(6, now_utc)
        .run();
    return db_.changes() > 0;
  });
}

Result<bool> Store::hasReceipt(std::int64_t batch_id, const std::string& kind) {
  return guarded("cannot look up a receipt", [&]() -> Result<bool> {
    auto s = db_.prepare("SELECT 1 FROM receipt WHERE batch_id = ?1 AND kind = ?2");
    s.bind(1, batch_id).bind(2, kind);
    return s.step();
  });
}

Result<bool> Store::hasPendingLeases(const std::string& siret) {
  return guarded("cannot look up pending leases", [&]() -> Result<bool> {
    auto s = db_.prepare("SELECT 1 FROM lease WHERE siret = ?1 AND state = 'pending' LIMIT 1");
    s.bind(1, siret);
    return s.step();
  });
}

Status Store::markAcknowledged(std::int64_t batch_id, const std::string& now_utc) {
  return guarded("cannot mark batch acknowledged", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET acknowledged_at = ?2, state = CASE WHEN state = 'uploaded' "
           "THEN 'acknowledged' ELSE state END WHERE id = ?1")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .run();
    moveBatchLeases(db_, batch_id, "uploaded", "acknowledged");
    tx.commit();
    return Status::Ok();
  });
}

Status Store::markRejectedAsWhole(std::int64_t batch_id, const std::string& reason,
                                  const std::string& now_utc) {
  return guarded("cannot mark batch rejected", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET state = 'failed', last_error = ?2, acknowledged_at = ?3 "
           "WHERE id = ?1")
        .bind(1, batch_id)
        .bind(2, "the platform rejected the whole file: " + reason)
        .bind(3, now_utc)
        .run();
    for (const char* from : {"uploaded", "acknowledged"}) {
      moveBatchLeases(db_, batch_id, from, "rejected");
    }
    db_.prepare(
           "UPDATE lease SET platform_reason = ?2 WHERE last_batch_id = ?1 AND "
           "state = 'rejected'")
        .bind(1, batch_id)
        .bind(2, reason)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Result<int> Store::applyReport(std::int64_t batch_id, const std::vector<ReportLine>& lines,
                               const std::string& now_utc) {
  return guarded("cannot apply the integration report", [&]() -> Result<int> {
    WriteTransaction tx(db_);
    int unknown = 0;
    auto update_line = db_.prepare(
        "UPDATE batch_line SET platform_status = ?3, platform_reason = ?4 "
        "WHERE batch_id = ?1 AND dwelling_id = ?2");
    auto update_lease = db_.prepare(
        "UPDATE lease SET state = ?3, platform_reason = ?4, updated_at = ?5 "
        "WHERE last_batch_id = ?1 AND dwelling_id = ?2 "
        "AND state IN ('batched', 'uploaded', 'acknowledged') "
        "AND fingerprint = (SELECT fingerprint FROM batch_line b WHERE b.batch_id = ?1 "
        "AND b.dwelling_id = ?2)");
    for (const auto& line : lines) {
      update_line.bind(1, batch_id)
          .bind(2, line.dwelling_id)
          .bind(3, line.status)
          .bind(4, line.reason)
          .run();
      if (db_.changes() == 0) {
        ++unknown;
        continue;
      }
      if (line.status != "integrated" && line.status != "rejected") {
        continue;  // kept in batch_line for the operator, the lease stays acknowledged
      }
      update_lease.bind(1, batch_id)
          .bind(2, line.dwelling_id)
          .bind(3, line.status)
          .bind(4, line.reason)
          .bind(5, now_utc)
          .run();
    }
    // A certificate may arrive before the report; the batch is certified once it has both.
    db_.prepare(
           "UPDATE batch SET reported_at = ?2, state = CASE WHEN state NOT IN ('uploaded', "
           "'acknowledged') THEN state WHEN certificate_path IS NOT NULL THEN 'certified' "
           "ELSE 'reported' END WHERE id = ?1")
        .bind(1, batch_id)
        .bind(2, now_utc)
        .run();
    tx.commit();
    return unknown;
  });
}

Status Store::recordCertificate(std::int64_t batch_id, const std::string& local_path,
                                const std::string& now_utc) {
  return guarded("cannot record the certificate", [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "UPDATE batch SET certificate_path = ?2, certified_at = ?3, state = CASE WHEN "
           "state = 'reported' THEN 'certified' ELSE state END WHERE id = ?1")
        .bind(1, batch_id)
        .bind(2, local_path)
        .bind(3, now_utc)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Status Store::setMeta(const std::string& key, const std::string& value) {
  return guarded("cannot record " + key, [&]() -> Status {
    WriteTransaction tx(db_);
    db_.prepare(
           "INSERT INTO meta (key, value) VALUES (?1, ?2) "
           "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value)
        .run();
    tx.commit();
    return Status::Ok();
  });
}

Result<std::string> Store::getMeta(const std::string& key) {
  return guarded("cannot read " + key, [&]() -> Result<std::string> {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind(1, key);
    return s.step() ? s.text(0) : std::string();
  });
}

Result<Overview> Store::overview() {
  return guarded("cannot read the overview", [&]() -> Result<Overview> {
    Overview o;
    auto states = db_.prepare("SELECT state, COUNT(*) FROM lease GROUP BY state ORDER BY state");
    while (states.step()) {
      o.leases_by_state.emplace_back(states.text(0), static_cast<int>(states.integer(1)));
    }
    auto batches = db_.prepare(std::string(kBatchColumns) + "ORDER BY id DESC LIMIT 20");
    while (batches.step()) {
      o.batches.push_back(readBatch(batches));
    }
    auto imports = db_.prepare(
        "SELECT path, sha256, size, imported_at, rows, valid, invalid, out_of_scope, new_leases, "
        "changed, unchanged, queued FROM import_file ORDER BY id DESC LIMIT 5");
    while (imports.step()) {
      ImportSummary s;
      s.path = imports.text(0);
      s.sha256 = imports.text(1);
      s.size = static_cast<std::uint64_t>(imports.integer(2));
      s.mtime_ns = 0;
      s.rows = static_cast<int>(imports.integer(4));
      s.valid = static_cast<int>(imports.integer(5));
      s.invalid = static_cast<int>(imports.integer(6));
      s.out_of_scope = static_cast<int>(imports.integer(7));
      s.new_leases = static_cast<int>(imports.integer(8));
      s.changed = static_cast<int>(imports.integer(9));
      s.unchanged = static_cast<int>(imports.integer(10));
      s.queued = static_cast<int>(imports.integer(11));
      s.imported_at = imports.text(3);
      o.recent_imports.push_back(s);
    }
    auto upload = db_.prepare(
        "SELECT a.at, a.result, a.message, b.file_name FROM upload_attempt a JOIN batch b "
        "ON b.id = a.batch_id WHERE a.result <> 'started' ORDER BY a.id DESC LIMIT 1");
    if (upload.step()) {
      o.last_upload_at = upload.text(0);
      o.last_upload_result = upload.text(1) + " (" + upload.text(3) + ")";
      o.last_upload_message = upload.text(2);
    }
    auto oldest = db_.prepare("SELECT MIN(queued_at) FROM lease WHERE state = 'pending'");
    if (oldest.step()) {
      o.oldest_pending_since = oldest.text(0);
    }
    return o;
  });
}

Result<std::vector<LeaseView>> Store::leasesInState(const std::string& state) {
  return guarded("cannot list leases", [&]() -> Result<std::vector<LeaseView>> {
    auto s = db_.prepare(
        "SELECT dwelling_id, state, issues_json, COALESCE(platform_reason, '') FROM lease "
        "WHERE state = ?1 ORDER BY dwelling_id");
    s.bind(1, state);
    std::vector<LeaseView> out;
    while (s.step()) {
      out.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
    }
    return out;
  });
}

Result<std::vector<std::string>> Store::dwellingIdsOfBatch(std::int64_t batch_id) {
  return guarded("cannot list a batch", [&]() -> Result<std::vector<std::string>> {
    auto s = db_.prepare("SELECT dwelling_id FROM batch_line WHERE batch_id = ?1 ORDER BY line_no");
    s.bind(1, batch_id);
    std::vector<std::string> out;
    while (s.step()) {
      out.push_back(s.text(0));
    }
    return out;
  });
}

Result<std::string> Store::integrityCheck() {
  return guarded("cannot check the database", [&]() -> Result<std::string> {
    auto s = db_.prepare("PRAGMA integrity_check");
    s.step();
    return s.text(0);
  });
}

}  // namespace alur::store
