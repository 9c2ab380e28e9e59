#include "status/status_facts.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/state_lock.h"
#include "lease/record_json.h"

namespace alur::status {
namespace {

namespace fs = std::filesystem;

// Meta key under which the running service records a failing part.
std::string failureKey(const std::string& part) { return "failing." + part; }

Status readLeasesToCorrect(store::Store& store, StatusFacts& facts) {
  for (const char* state : {"rejected", "invalid"}) {
    auto leases = store.leasesInState(state);
    if (!leases) {
      return leases.status();
    }
    for (const auto& lease : *leases) {
      if (facts.leases_to_correct.size() == kMaxLeasesToCorrect) {
        return Status::Ok();
      }
      facts.leases_to_correct.push_back(toCorrect(lease));
    }
  }
  return Status::Ok();
}

void readLastImport(store::Database& db, StatusFacts& facts) {
  auto s = db.prepare(
      "SELECT path, imported_at, rows, valid, invalid, out_of_scope, new_leases, changed, "
      "unchanged FROM import_file ORDER BY id DESC LIMIT 1");
  if (!s.step()) {
    return;
  }
  ImportFacts i;
  i.path = s.text(0);
  i.imported_at = s.text(1);
  i.rows = static_cast<int>(s.integer(2));
  i.valid = static_cast<int>(s.integer(3));
  i.invalid = static_cast<int>(s.integer(4));
  i.out_of_scope = static_cast<int>(s.integer(5));
  i.new_leases = static_cast<int>(s.integer(6));
  i.changed = static_cast<int>(s.integer(7));
  i.unchanged = static_cast<int>(s.integer(8));
  facts.last_import = i;
}

void readBatchCounts(store::Database& db, StatusFacts& facts) {
  auto s = db.prepare("SELECT state, COUNT(*) FROM batch GROUP BY state");
  while (s.step()) {
    facts.batches_by_state[s.text(0)] = static_cast<int>(s.integer(1));
  }
}

void readWindow(store::Database& db, const config::Config& config, StatusFacts& facts) {
  auto window = std::chrono::minutes(config.status.health_window_minutes);
  auto s = db.prepare(
      "SELECT COUNT(*), COALESCE(SUM(result = 'ok'), 0) FROM upload_attempt "
      "WHERE result <> 'started' AND at >= ?1");
  s.bind(1, formatUtc(std::chrono::system_clock::now() - window));
  if (s.step()) {
    facts.attempts_in_window = static_cast<int>(s.integer(0));
    facts.successes_in_window = static_cast<int>(s.integer(1));
  }
}

void readUploads(store::Database& db, StatusFacts& facts) {
  auto last = db.prepare(
      "SELECT a.at, a.result, b.file_name, a.message FROM upload_attempt a JOIN batch b "
      "ON b.id = a.batch_id WHERE a.result <> 'started' ORDER BY a.id DESC LIMIT 1");
  if (last.step()) {
    facts.last_upload = UploadFacts{last.text(0), last.text(1), last.text(2), last.text(3)};
  }
  for (const char* result : {"ok", "retry", "failed"}) {
    facts.uploads_by_result[result] = 0;
  }
  auto counts = db.prepare(
      "SELECT result, COUNT(*) FROM upload_attempt WHERE result <> 'started' GROUP BY result");
  while (counts.step()) {
    facts.uploads_by_result[counts.text(0)] = counts.integer(1);
  }
  auto success = db.prepare("SELECT MAX(at) FROM upload_attempt WHERE result = 'ok'");
  if (success.step()) {
    facts.last_upload_success_at = success.text(0);
  }
  auto receipt = db.prepare("SELECT MAX(received_at) FROM receipt");
  if (receipt.step()) {
    facts.last_receipt_at = receipt.text(0);
  }
}

// The upload fails when a batch is in state failed, or when the last attempt is a retry.
void readUploadFailure(store::Database& db, StatusFacts& facts) {
  auto failed = db.prepare(
      "SELECT b.file_name, COALESCE(b.last_error, ''), COALESCE((SELECT MAX(a.at) FROM "
      "upload_attempt a WHERE a.batch_id = b.id AND a.result = 'failed'), '') FROM batch b "
      "WHERE b.state = 'failed' ORDER BY b.id DESC LIMIT 1");
  if (failed.step()) {
    facts.failing.push_back(
        {"upload", "batch " + failed.text(0) + " failed: " + failed.text(1), failed.text(2)});
    return;
  }
  if (!facts.last_upload || facts.last_upload->result != "retry") {
    return;
  }
  auto since = db.prepare(
      "SELECT MIN(at) FROM upload_attempt WHERE result IN ('retry', 'failed') AND id > "
      "COALESCE((SELECT MAX(id) FROM upload_attempt WHERE result = 'ok'), 0)");
  std::string first = since.step() ? since.text(0) : std::string();
  facts.failing.push_back({"upload", facts.last_upload->message, first});
}

void readRecordedFailure(store::Store& store, const std::string& part, StatusFacts& facts) {
  auto recorded = store.getMeta(failureKey(part));
  if (!recorded || recorded->empty()) {
    return;
  }
  auto parsed = nlohmann::json::parse(*recorded, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return;
  }
  facts.failing.push_back(
      {part, parsed.value("error", std::string()), parsed.value("since", std::string())});
}

void readDisk(const config::Config& config, StatusFacts& facts) {
  facts.disk_free_bytes = freeBytes(config.state_dir);
  if (!facts.disk_free_bytes) {
    return;
  }
  std::uint64_t minimum = static_cast<std::uint64_t>(config.status.min_free_megabytes) << 20;
  if (*facts.disk_free_bytes < minimum) {
    facts.failing.push_back({"disk",
                             "free space of " + config.state_dir.string() + " is " +
                                 std::to_string(*facts.disk_free_bytes >> 20) +
                                 " MB, below status.min_free_megabytes = " +
                                 std::to_string(config.status.min_free_megabytes),
                             ""});
  }
}

void readFolders(const config::Config& config, StatusFacts& facts) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config.quarantineDir(), ec)) {
    if (entry.path().extension() == ".txt") {
      facts.quarantined.push_back(entry.path().string());
    }
  }
  std::sort(facts.quarantined.begin(), facts.quarantined.end());
}

void readEmail(const config::Config& config, store::Store& store, StatusFacts& facts) {
  facts.email_enabled = config.email.enabled();
  facts.last_email_at = store.getMeta("email.last_success_at").value_or("");
  auto waiting = store.database().prepare(
      "SELECT COUNT(*) FROM notification WHERE sent_at IS NULL AND given_up_at IS NULL");
  if (waiting.step()) {
    facts.emails_waiting = static_cast<int>(waiting.integer(0));
  }
  readRecordedFailure(store, "email", facts);
}

// Reads what the store's own functions return; direct queries follow in readTables.
Status readOverview(store::Store& store, StatusFacts& facts) {
  auto overview = store.overview();
  if (!overview) {
    return overview.status();
  }
  facts.leases_by_state = overview->leases_by_state;
  facts.oldest_pending_since = overview->oldest_pending_since;
  facts.batches = overview->batches;
  for (const auto& batch : facts.batches) {
    if (!batch.certificate_path.empty()) {
      facts.certificates.emplace_back(batch.file_name, batch.certificate_path);
    }
  }
  for (auto [key, field] :
       {std::pair{"started_at", &facts.started_at}, std::pair{"pid", &facts.pid},
        std::pair{"version", &facts.version},
        std::pair{"postal_table_edition", &facts.postal_table_edition},
        std::pair{"server_certificate_expires_at", &facts.server_certificate_expires_at}}) {
    auto value = store.getMeta(key);
    if (!value) {
      return value.status();
    }
    *field = *value;
  }
  return readLeasesToCorrect(store, facts);
}

Status readTables(const config::Config& config, store::Store& store, StatusFacts& facts) {
  try {
    readBatchCounts(store.database(), facts);
    readWindow(store.database(), config, facts);
    readLastImport(store.database(), facts);
    readUploads(store.database(), facts);
    readUploadFailure(store.database(), facts);
    readEmail(config, store, facts);
  } catch (const store::SqliteError& e) {
    return Status::Error(std::string("cannot read the status: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace

LeaseToCorrect toCorrect(const store::LeaseView& lease) {
  LeaseToCorrect out{lease.dwelling_id, lease.state, "", ""};
  if (!lease.platform_reason.empty()) {
    out.code = "platform_rejected";
    out.message =
        "Logement " + lease.dwelling_id + " : refusé par la plateforme : " + lease.platform_reason;
    return out;
  }
  for (const auto& issue : lease::issuesFromJson(lease.issues_json)) {
    if (issue.severity == lease::Severity::kError) {
      out.code = issue.code;
      out.message = issue.message;
      return out;
    }
  }
  out.message = "Logement " + lease.dwelling_id;
  return out;
}

Result<StatusFacts> readStatusFacts(const config::Config& config, store::Store& store) {
  StatusFacts facts;
  facts.now = formatUtc(std::chrono::system_clock::now());
  facts.running = isStateFolderLocked(config.state_dir);
  facts.config_path = config.source.string();
  facts.export_folder = config.export_folder.string();
  facts.database_path = config.databasePath().string();
  if (Status s = readOverview(store, facts); !s) {
    return s;
  }
  if (facts.version.empty()) {
    facts.version = ALUR_VERSION;
  }
  if (Status s = readTables(config, store, facts); !s) {
    return s;
  }
  readRecordedFailure(store, "receipts", facts);
  readDisk(config, facts);
  readFolders(config, facts);
  return facts;
}

Result<StatusFacts> readStatusFacts(const config::Config& config) {
  auto store = store::Store::openReadOnly(config.databasePath());
  if (!store) {
    return store.status();
  }
  auto facts = readStatusFacts(config, **store);
  if (!facts && facts.message().find("readonly") != std::string::npos) {
    return Status::Error(facts.message() +
                         "; reading a database in WAL mode needs write access to its folder: "
                         "run status as the service account or as root");
  }
  return facts;
}

Status recordFailure(store::Store& store, const std::string& part, const std::string& error,
                     const std::string& now_utc) {
  if (error.empty()) {
    return store.setMeta(failureKey(part), "");
  }
  std::string since = now_utc;
  auto recorded = store.getMeta(failureKey(part));
  if (recorded && !recorded->empty()) {
    auto parsed = nlohmann::json::parse(*recorded, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) {
      since = parsed.value("since", now_utc);
    }
  }
  nlohmann::json value = {{"error", error}, {"since", since}};
  return store.setMeta(failureKey(part), value.dump());
}

std::optional<std::uint64_t> freeBytes(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::space_info space = std::filesystem::space(folder, ec);
  if (ec) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(space.available);
}

}  // namespace alur::status
