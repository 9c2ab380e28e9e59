// The resident process: watches the export folder, runs the pipeline on its schedule and stops
// cleanly on SIGINT or SIGTERM.
#pragma once

#include <memory>

#include "common/status.h"
#include "config/config.h"

namespace alur::service {

// Runs the service in the foreground until a stop signal. Returns the process exit code:
// 0 after a clean stop, kExitConfig when the configuration or its files are unusable, 1 for
// other start-up failures.
int runService(const config::Config& config);

// Loads the files the configuration names (profile, postal reference table), as `run` does at
// start, so that `alur-relay check` finds every mistake `run` would stop on.
Status checkConfiguredFiles(const config::Config& config);

}  // namespace alur::service
