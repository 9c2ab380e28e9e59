#include "crash/invariants.h"

#include <set>

#include <nlohmann/json.hpp>

namespace alur::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTempSuffix = ".part";

// Order of the states, to tell a step forward from a step back.
int leaseRank(const std::string& state) {
  static const std::map<std::string, int> ranks = {
      {"invalid", 0},  {"out_of_scope", 0}, {"pending", 0},    {"batched", 1},
      {"uploaded", 2}, {"acknowledged", 3}, {"integrated", 4}, {"rejected", 4}};
  auto found = ranks.find(state);
  return found == ranks.end() ? -1 : found->second;
}

int batchRank(const std::string& state) {
  static const std::map<std::string, int> ranks = {{"built", 0},    {"uploading", 1},
                                                   {"uploaded", 2}, {"acknowledged", 3},
                                                   {"reported", 4}, {"certified", 5}};
  auto found = ranks.find(state);
  return found == ranks.end() ? -1 : found->second;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Runs a query that counts rows breaking a rule, and reports them with `what` and a few ids.
void expectNone(const fs::path& db, const std::string& what, const std::string& sql,
                std::vector<std::string>& violations) {
  std::string error;
  auto rows = queryRows(db, sql, &error);
  if (!error.empty()) {
    violations.push_back("query for \"" + what + "\" failed: " + error);
    return;
  }
  if (rows.empty()) {
    return;
  }
  std::string sample;
  for (std::size_t i = 0; i < rows.size() && i < 5; ++i) {
    for (const auto& cell : rows[i]) {
      sample += cell + " ";
    }
    sample += "| ";
  }
  violations.push_back(what + ": " + std::to_string(rows.size()) + " row(s): " + sample);
}

}  // namespace

std::vector<std::string> InvariantChecker::checkAfterCrash() {
  std::vector<std::string> violations;
  if (!fs::exists(relay_.database())) {
    return violations;  // killed before the database was created
  }
  std::string integrity = queryText(relay_.database(), "PRAGMA integrity_check");
  if (integrity != "ok") {
    violations.push_back("PRAGMA integrity_check returned \"" + integrity + "\"");
    return violations;
  }
  checkHistory(violations);
  checkDatabase(violations);
  checkServer(violations);
  checkLocalFiles(violations);
  std::string log = log_rule_ == kNoErrors ? readFileBytes(relay_.logFile()) : "";
  for (const char* level : {" error [", " critical ["}) {
    std::size_t at = log.find(level);
    if (at != std::string::npos) {
      std::size_t start = log.rfind('\n', at);
      start = start == std::string::npos ? 0 : start + 1;
      violations.push_back("the log has an error line: " +
                           log.substr(start, log.find('\n', at) - start));
    }
  }
  return violations;
}

// Compares leases, imported files and batches with what the previous check saw.
void InvariantChecker::checkHistory(std::vector<std::string>& violations) {
  const fs::path db = relay_.database();
  std::map<std::string, std::pair<std::string, std::string>> leases;
  for (const auto& row : queryRows(db, "SELECT dwelling_id, fingerprint, state FROM lease")) {
    leases[row[0]] = {row[1], row[2]};
  }
  for (const auto& [id, before] : leases_) {
    auto now = leases.find(id);
    if (now == leases.end()) {
      violations.push_back("lease " + id + " disappeared (was " + before.second + ")");
      continue;
    }
    if (now->second.first == before.first &&
        leaseRank(now->second.second) < leaseRank(before.second)) {
      violations.push_back("lease " + id + " went back from " + before.second + " to " +
                           now->second.second + " with the same fingerprint");
    }
  }
  leases_ = leases;

  int imports = std::stoi("0" + queryText(db, "SELECT COUNT(*) FROM import_file"));
  if (imports < imports_) {
    violations.push_back("imported files went from " + std::to_string(imports_) + " to " +
                         std::to_string(imports));
  }
  imports_ = imports;

  std::map<std::string, std::vector<std::string>> batches;
  for (const auto& row : queryRows(db, "SELECT id, file_name, sha256, state FROM batch")) {
    batches[row[0]] = {row[1], row[2], row[3]};
  }
  for (const auto& [id, before] : batches_) {
    auto now = batches.find(id);
    if (now == batches.end()) {
      violations.push_back("batch " + before[0] + " disappeared");
      continue;
    }
    if (now->second[0] != before[0] || now->second[1] != before[1]) {
      violations.push_back("batch " + id + " changed from " + before[0] + " " + before[1] + " to " +
                           now->second[0] + " " + now->second[1]);
    }
    if (batchRank(now->second[2]) < batchRank(before[2])) {
      violations.push_back("batch " + before[0] + " went back from " + before[2] + " to " +
                           now->second[2]);
    }
  }
  batches_ = batches;
}

// Rules between the tables that hold in every committed state.
void InvariantChecker::checkDatabase(std::vector<std::string>& violations) {
  const fs::path db = relay_.database();
  expectNone(db, "batches in an unknown or failed state",
             "SELECT file_name, state, last_error FROM batch WHERE state NOT IN ('built', "
             "'uploading', 'uploaded', 'acknowledged', 'reported', 'certified')",
             violations);
  expectNone(db, "batched leases whose batch is not waiting for upload",
             "SELECT l.dwelling_id, b.file_name, b.state FROM lease l LEFT JOIN batch b ON "
             "b.id = l.last_batch_id WHERE l.state = 'batched' AND (b.state IS NULL OR b.state "
             "NOT IN ('built', 'uploading'))",
             violations);
  expectNone(db, "leases past upload whose batch did not reach the server",
             "SELECT l.dwelling_id, l.state, b.file_name, b.state FROM lease l LEFT JOIN batch "
             "b ON b.id = l.last_batch_id WHERE l.state IN ('uploaded', 'acknowledged', "
             "'integrated', 'rejected') AND (b.state IS NULL OR b.state IN ('built', "
             "'uploading'))",
             violations);
  expectNone(db, "leases in a batch that is not in the batch's lines with their fingerprint",
             "SELECT l.dwelling_id, l.state, l.last_batch_id FROM lease l WHERE l.state IN "
             "('batched', 'uploaded', 'acknowledged', 'integrated') AND NOT EXISTS (SELECT 1 "
             "FROM batch_line bl WHERE bl.batch_id = l.last_batch_id AND bl.dwelling_id = "
             "l.dwelling_id AND bl.fingerprint = l.fingerprint)",
             violations);
  expectNone(db, "pending leases that their last batch already carries unchanged",
             "SELECT l.dwelling_id, l.last_batch_id FROM lease l JOIN batch_line bl ON "
             "bl.batch_id = l.last_batch_id AND bl.dwelling_id = l.dwelling_id WHERE l.state = "
             "'pending' AND bl.fingerprint = l.fingerprint",
             violations);
  expectNone(db, "a dwelling sent twice in a row with the same fingerprint",
             "SELECT dwelling_id, batch_id, previous_batch FROM (SELECT dwelling_id, batch_id, "
             "fingerprint, LAG(fingerprint) OVER w AS previous, LAG(batch_id) OVER w AS "
             "previous_batch FROM batch_line WINDOW w AS (PARTITION BY dwelling_id ORDER BY "
             "batch_id)) WHERE previous = fingerprint",
             violations);
  expectNone(db, "a dwelling twice in one batch",
             "SELECT batch_id, dwelling_id, COUNT(*) FROM batch_line GROUP BY batch_id, "
             "dwelling_id HAVING COUNT(*) > 1",
             violations);
}

// The server's upload folder and vsftpd's transfer log against the database.
void InvariantChecker::checkServer(std::vector<std::string>& violations) {
  std::map<std::string, std::pair<std::string, std::string>> by_name;  // name: sha256, state
  for (const auto& row :
       queryRows(relay_.database(), "SELECT file_name, sha256, state FROM batch")) {
    by_name[row[0]] = {row[1], row[2]};
  }
  std::set<std::string> hashes;
  for (const auto& entry : fs::directory_iterator(relay_.simulator().uploadFolder())) {
    std::string name = entry.path().filename().string();
    bool temp = endsWith(name, kTempSuffix);
    std::string final_name = temp ? name.substr(0, name.size() - 5) : name;
    auto batch = by_name.find(final_name);
    if (batch == by_name.end()) {
      violations.push_back("the server has " + name + ", which is no batch of the database");
      continue;
    }
    if (batchRank(batch->second.second) < batchRank("uploading")) {
      violations.push_back("the server has " + name + " but its batch is " + batch->second.second);
    }
    if (temp) {
      continue;  // an upload cut by the crash, sent again under the same name
    }
    std::string hash = sha256OfFile(entry.path());
    if (hash != batch->second.first) {
      violations.push_back("the server's " + name + " has sha256 " + hash + ", the batch " +
                           batch->second.first);
    }
    if (!hashes.insert(hash).second) {
      violations.push_back("the bytes of " + name + " are on the server under another name too");
    }
  }
  for (const auto& [name, count] : relay_.completedUploads()) {
    if (count > 1) {
      violations.push_back("xferlog has " + std::to_string(count) + " completed uploads of " +
                           name);
    }
  }
}

// Batch files in the outbox and the sent folder are the committed bytes of their batch.
void InvariantChecker::checkLocalFiles(std::vector<std::string>& violations) {
  std::map<std::string, std::string> hash_of;
  for (const auto& row : queryRows(relay_.database(), "SELECT file_name, sha256 FROM batch")) {
    hash_of[row[0]] = row[1];
  }
  for (const char* folder : {"outbox", "sent"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(relay_.stateDir() / folder, ec)) {
      std::string name = entry.path().filename().string();
      auto batch = hash_of.find(name);
      if (batch == hash_of.end()) {
        continue;  // a temporary file of an interrupted write, replaced by the next one
      }
      if (sha256OfFile(entry.path()) != batch->second) {
        violations.push_back(std::string(folder) + "/" + name +
                             " differs from the bytes committed for its batch");
      }
    }
  }
}

std::vector<std::string> InvariantChecker::checkDelivered(
    const std::map<std::string, std::string>& expected_states) {
  std::vector<std::string> violations = checkAfterCrash();
  const fs::path db = relay_.database();
  expectNone(db, "batches not certified",
             "SELECT file_name, state FROM batch WHERE state <> "
             "'certified'",
             violations);
  expectNone(db, "batches without their three receipts",
             "SELECT file_name FROM batch b WHERE (SELECT COUNT(*) FROM receipt r WHERE "
             "r.batch_id = b.id) <> 3",
             violations);
  expectNone(db, "integrated leases whose last line was not integrated with their fingerprint",
             "SELECT l.dwelling_id FROM lease l WHERE l.state = 'integrated' AND NOT EXISTS "
             "(SELECT 1 FROM batch_line bl WHERE bl.batch_id = l.last_batch_id AND "
             "bl.dwelling_id = l.dwelling_id AND bl.fingerprint = l.fingerprint AND "
             "bl.platform_status = 'integrated')",
             violations);

  std::map<std::string, std::string> states;
  for (const auto& row : queryRows(db, "SELECT dwelling_id, state FROM lease")) {
    states[row[0]] = row[1];
  }
  for (const auto& [id, expected] : expected_states) {
    auto found = states.find(id);
    std::string actual = found == states.end() ? "missing" : found->second;
    if (actual != expected) {
      violations.push_back("lease " + id + " is " + actual + ", expected " + expected);
    }
  }
  if (states.size() != expected_states.size()) {
    violations.push_back("the database has " + std::to_string(states.size()) +
                         " leases, expected " + std::to_string(expected_states.size()));
  }

  std::set<std::string> batch_names;
  for (const auto& row : queryRows(db, "SELECT file_name FROM batch")) {
    batch_names.insert(row[0]);
  }
  std::set<std::string> on_server;
  for (const auto& entry : fs::directory_iterator(relay_.simulator().uploadFolder())) {
    on_server.insert(entry.path().filename().string());
  }
  if (on_server != batch_names) {
    violations.push_back("the server's upload folder holds " + std::to_string(on_server.size()) +
                         " files for " + std::to_string(batch_names.size()) + " batches");
  }
  auto uploads = relay_.completedUploads();
  for (const auto& name : batch_names) {
    if (uploads[name + kTempSuffix] != 1) {
      violations.push_back("xferlog has " + std::to_string(uploads[name + kTempSuffix]) +
                           " completed uploads of " + name + kTempSuffix + ", expected 1");
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(relay_.stateDir() / "outbox", ec)) {
    violations.push_back("the outbox still holds " + entry.path().filename().string());
  }
  return violations;
}

std::map<std::string, std::string> expectedStates(const std::vector<fs::path>& exports) {
  std::map<std::string, std::string> states;
  for (const auto& file : exports) {
    fs::path truth_file = file;
    truth_file += ".truth.json";
    auto truth = nlohmann::json::parse(readFileBytes(truth_file));
    for (const auto& [id, lease] : truth.items()) {
      if (!lease.at("in_scope").get<bool>()) {
        states[id] = "out_of_scope";
      } else {
        states[id] = lease.at("valid").get<bool>() ? "integrated" : "invalid";
      }
    }
  }
  return states;
}

}  // namespace alur::testing
