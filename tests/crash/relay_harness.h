// Runs the real alur-relay binary against the platform simulator in a fresh work folder, starts
// and kills it, and reads what it left behind: the database, the state folder, the server's
// upload folder and vsftpd's transfer log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/simulator.h"

namespace alur::testing {

// Runs one SQL query on the database, opened read-only for the call, and returns the rows as
// text (NULL as ""). Returns no rows when the database cannot be opened or the query fails;
// `error`, when given, receives the reason.
std::vector<std::vector<std::string>> queryRows(const std::filesystem::path& database,
                                                const std::string& sql,
                                                std::string* error = nullptr);
// Returns the first column of the first row, or "" when there is none.
std::string queryText(const std::filesystem::path& database, const std::string& sql);

std::string sha256OfFile(const std::filesystem::path& file);

// Timers of the service under test, short so that every step happens within seconds.
struct RelaySettings {
  int stable_seconds = 1;
  int rescan_seconds = 5;
  int delay_seconds = 0;
  int poll_seconds = 1;
  int retry_max_seconds = 2;
  std::string file_pattern = "*.csv";
  std::string log_level = "info";
  std::filesystem::path state_dir;  // empty: WORK/state
  std::filesystem::path log_file;   // empty: WORK/alur-relay.log
};

class RelayHarness {
 public:
  RelayHarness() = default;
  RelayHarness(const RelayHarness&) = delete;
  RelayHarness& operator=(const RelayHarness&) = delete;
  ~RelayHarness();

  // Creates the work folder, starts the simulator with `simulator_options` and writes the
  // configuration. Returns an error text, empty on success.
  std::string setUp(const std::string& prefix, const std::vector<std::string>& simulator_options,
                    const RelaySettings& settings);
  // Stops the service and the simulator. Removes the work folder when `remove_work` is true.
  void tearDown(bool remove_work);
  void removeWork();

  void writeConfig();
  RelaySettings& settings() { return settings_; }

  // Starts `alur-relay run`. With a `pause_point`, the service gets ALUR_TEST_PAUSE_AT and
  // stops at that point (common/test_pause.h). Returns false when fork or exec failed.
  bool start(const std::string& pause_point = "");
  // Waits until the service run started last wrote "paused at test point POINT".
  bool waitForPause(const std::string& point, std::chrono::milliseconds timeout);
  // Sends SIGKILL and reaps the process.
  void kill();
  // Sends SIGTERM and returns the exit status as waitpid reports it.
  int stop();
  bool running() { return service_.running(); }
  pid_t pid() const { return service_.pid(); }

  // Copies `file` into the export folder under `name`, the way management software does:
  // written under a temporary name, then renamed.
  void dropExport(const std::filesystem::path& file, const std::string& name = "export.csv");
  // Writes a synthetic export of `rows` leases with tests/tools/gen_exports.py (dialect A, the
  // profile sample-a) into WORK/generated/, with its .truth.json beside it. Every seed gives
  // other data to the same dwelling ids. Returns the file, or an empty path on failure.
  std::filesystem::path generateExport(int seed, int rows);

  const std::filesystem::path& work() const { return work_; }
  std::filesystem::path exports() const { return work_ / "exports"; }
  std::filesystem::path stateDir() const;
  std::filesystem::path database() const { return stateDir() / "alur-relay.db"; }
  std::filesystem::path logFile() const;
  std::filesystem::path consoleLog() const { return work_ / "console.log"; }
  // The service's log file and its standard error, for failure messages.
  std::string logs() const;
  // The last `max_bytes` of logs(), for failure messages that must stay readable.
  std::string logTail(std::size_t max_bytes = 6000) const;
  Simulator& simulator() { return simulator_; }

  // Completed uploads ("i" direction, "c" status) per remote name, from vsftpd's xferlog.
  std::map<std::string, int> completedUploads() const;

 private:
  std::filesystem::path work_;
  RelaySettings settings_;
  Simulator simulator_;
  ChildProcess service_;
  std::uintmax_t console_offset_ = 0;  // size of console.log when the last run started
};

}  // namespace alur::testing
