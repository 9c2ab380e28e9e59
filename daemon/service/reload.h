// Reloading the configuration while the service runs (SIGHUP, systemctl reload): which keys
// take effect at once and which need a restart.
//
// A key can change at run time when the service reads it afresh at each use. These are the
// schedule and the retry delays, the receipts settings, the export file pattern and timings,
// the log level, the /health thresholds, and the platform's address, account and timeouts,
// which the next connection reads. Any other key needs a restart, because the service built
// something from it at start and keeps it: the state folder and its lock, the log sinks, the
// watched folder, the loaded profile and postal table, the status listener. The contributor
// identity, the file format and the remote folders also wait for a restart, a moment the
// operator chooses, because they change what is sent and where. A key missing from the table
// in reload.cpp needs a restart.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace alur::service {

// A key whose value differs between the running configuration and the file.
struct KeyChange {
  std::string key;  // "section.key"
  std::string before;
  std::string after;
};

struct ReloadPlan {
  // The running configuration with the reloadable changes applied; the others keep their
  // running values.
  config::Config next;
  std::vector<KeyChange> applied;
  std::vector<KeyChange> needs_restart;
};

// Returns whether a change of `key` takes effect without a restart.
bool isReloadable(const std::string& key);

// Reads a configuration file, as config::loadConfig does.
using ConfigLoader = std::function<Result<config::Config>(const std::filesystem::path&)>;

// Reads the file of `running` again with `load` (config::loadConfig when empty), checks it as
// `alur-relay check-config` does (the profile and the postal table it names must load), and
// compares it with `running`. Returns the error, and no plan, when the file no longer loads or
// checks.
Result<ReloadPlan> planReload(const config::Config& running, const ConfigLoader& load = {});

// Copies the values of the reloadable `changes` from `from` into `to`.
void applyReloadable(const config::Config& from, const std::vector<KeyChange>& changes,
                     config::Config& to);

// Writes one log line per change: info for an applied key, warning for a key that needs a
// restart. The values of secret keys are not written.
void logReloadPlan(const ReloadPlan& plan);

}  // namespace alur::service
