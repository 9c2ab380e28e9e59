// Named spdlog loggers, one per module ("watch", "ingest", "store", "upload", ...).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace alur {

// Returns the logger called `name`, creating it with the shared sinks on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

struct LogSettings {
  std::string level = "info";
  std::string file;                       // empty: no log file
  std::size_t max_file_bytes = 10 << 20;  // the file rotates when it reaches this size
  std::size_t max_files = 5;              // rotated files kept besides the current one
  bool journald = false;                  // to the systemd journal instead of stderr
  bool event_log = false;                 // warnings and errors to the Windows Event Log too
};

// Sends every module logger to stderr (or the systemd journal) and, when a file is given, to a
// rotating file as well. On Windows, warnings and errors can also go to the Event Log.
void setUpLogging(const LogSettings& settings);

// Sets the level of every module logger ("trace" to "error"), e.g. after a configuration
// reload, keeping the sinks.
void setLogLevel(const std::string& level);

// True when systemd started the process with its standard error connected to the journal.
bool startedByJournald();

}  // namespace alur
