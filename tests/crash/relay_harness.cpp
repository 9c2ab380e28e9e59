#include "crash/relay_harness.h"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sqlite3.h>

#include "common/hash.h"

namespace alur::testing {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> queryRows(const fs::path& database, const std::string& sql,
                                                std::string* error) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  }
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
      break;
    }
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE && error != nullptr) {
    *error = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string queryText(const fs::path& database, const std::string& sql) {
  auto rows = queryRows(database, sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

std::string sha256OfFile(const fs::path& file) {
  auto hash = sha256File(file);
  return hash ? *hash : "";
}

RelayHarness::~RelayHarness() { tearDown(false); }

std::string RelayHarness::setUp(const std::string& prefix,
                                const std::vector<std::string>& simulator_options,
                                const RelaySettings& settings) {
  settings_ = settings;
  work_ = makeTempFolder(prefix);
  if (work_.empty()) {
    return "cannot create a temporary folder";
  }
  std::string error = simulator_.start(work_ / "platform", simulator_options);
  if (!error.empty()) {
    return error;
  }
  fs::create_directories(exports());
  writeConfig();
  return "";
}

void RelayHarness::tearDown(bool remove_work) {
  if (service_.running()) {
    service_.stop(SIGKILL, std::chrono::seconds(5));
  }
  simulator_.stop();
  if (remove_work) {
    removeWork();
  }
}

void RelayHarness::removeWork() {
  if (!work_.empty()) {
    std::error_code ignored;
    fs::remove_all(work_, ignored);
  }
}

fs::path RelayHarness::stateDir() const {
  return settings_.state_dir.empty() ? work_ / "state" : settings_.state_dir;
}

fs::path RelayHarness::logFile() const {
  return settings_.log_file.empty() ? work_ / "alur-relay.log" : settings_.log_file;
}

void RelayHarness::writeConfig() {
  const SimulatorInfo& sim = simulator_.info();
  const RelaySettings& s = settings_;
  std::ofstream out(work_ / "alur-relay.conf");
  out << "[service]\nstate_dir = " << stateDir().string() << "\n"
      << "log_file = " << logFile().string() << "\nlog_level = " << s.log_level << "\n"
      << "[export]\nfolder = " << exports().string() << "\n"
      << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
      << "file_pattern = " << s.file_pattern << "\n"
      << "stable_seconds = " << s.stable_seconds << "\nrescan_seconds = " << s.rescan_seconds
      << "\n"
      << "[contributor]\nsiret = 73282932000074\n"
      << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
      << "[platform]\nhost = " << sim.host << "\nport = " << sim.port << "\n"
      << "user = " << sim.user << "\npassword = " << sim.password << "\n"
      << "ca_file = " << sim.ca_file << "\nupload_dir = " << sim.upload_dir << "\n"
      << "return_dir = " << sim.return_dir << "\n"
      << "[schedule]\nmode = after-import\ndelay_seconds = " << s.delay_seconds
      << "\nretry_initial_seconds = 1\nretry_max_seconds = " << s.retry_max_seconds << "\n"
      << "[receipts]\npoll_seconds = " << s.poll_seconds << "\n"
      << "[status]\nport = 0\n"
      << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n";
}

bool RelayHarness::start(const std::string& pause_point) {
  std::error_code ec;
  console_offset_ = fs::exists(consoleLog(), ec) ? fs::file_size(consoleLog(), ec) : 0;
  // The child inherits the environment at fork, so the variable is set around start() only.
  if (pause_point.empty()) {
    ::unsetenv("ALUR_TEST_PAUSE_AT");
  } else {
    ::setenv("ALUR_TEST_PAUSE_AT", pause_point.c_str(), 1);
  }
  bool started = service_.start({std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay", "run",
                                 "--config", (work_ / "alur-relay.conf").string()},
                                consoleLog());
  ::unsetenv("ALUR_TEST_PAUSE_AT");
  return started;
}

bool RelayHarness::waitForPause(const std::string& point, std::chrono::milliseconds timeout) {
  const std::string marker = "paused at test point " + point + "\n";
  return waitFor(
      [&] {
        std::string console = readFileBytes(consoleLog());
        return console.size() > console_offset_ &&
               console.find(marker, console_offset_) != std::string::npos;
      },
      timeout);
}

void RelayHarness::kill() { service_.stop(SIGKILL, std::chrono::seconds(5)); }

int RelayHarness::stop() { return service_.stop(SIGTERM, std::chrono::seconds(20)); }

void RelayHarness::dropExport(const fs::path& file, const std::string& name) {
  fs::path temp = exports() / (name + ".part");
  fs::copy_file(file, temp, fs::copy_options::overwrite_existing);
  fs::rename(temp, exports() / name);
}

fs::path RelayHarness::generateExport(int seed, int rows) {
  fs::create_directories(work_ / "generated");
  fs::path file = work_ / "generated" / ("export-" + std::to_string(seed) + ".csv");
  std::string command = "python3 " + std::string(ALUR_SOURCE_DIR) +
                        "/tests/tools/gen_exports.py A " + file.string() + " --rows " +
                        std::to_string(rows) + " --seed " + std::to_string(seed) + " > /dev/null";
  return std::system(command.c_str()) == 0 ? file : fs::path();
}

std::string RelayHarness::logs() const {
  return "--- log file:\n" + readFileBytes(logFile()) + "--- standard error:\n" +
         readFileBytes(consoleLog());
}

std::string RelayHarness::logTail(std::size_t max_bytes) const {
  std::string text = readFileBytes(consoleLog());
  if (text.size() > max_bytes) {
    text = "..." + text.substr(text.size() - max_bytes);
  }
  return "--- last lines of standard error:\n" + text;
}

// An xferlog line ends with: name, type, action, direction, access mode, user, service,
// authentication, user id, completion status ("c" complete, "i" incomplete).
std::map<std::string, int> RelayHarness::completedUploads() const {
  std::map<std::string, int> uploads;
  std::ifstream in(work_ / "platform" / "xferlog");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) {
      words.push_back(word);
    }
    if (words.size() < 18) {
      continue;
    }
    const std::string& name = words[words.size() - 10];
    const std::string& direction = words[words.size() - 7];
    const std::string& status = words.back();
    if (direction == "i" && status == "c") {
      ++uploads[fs::path(name).filename().string()];
    }
  }
  return uploads;
}

}  // namespace alur::testing
