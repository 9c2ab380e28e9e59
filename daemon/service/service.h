// The resident process: watches the export folder, runs the pipeline on its schedule, reloads
// its configuration on SIGHUP and stops cleanly on SIGINT or SIGTERM.
#pragma once

#include <memory>

#include "common/status.h"
#include "config/config.h"
#include "service/service_manager.h"

namespace alur::service {

// Runs the service in the foreground until a stop signal. Returns the process exit code:
// 0 after a clean stop, kExitConfig when the configuration or its files are unusable, 1 for
// other start-up failures.
int runService(const config::Config& config);

// Runs the service as above and reports its readiness, reloads, stop and watchdog pings to
// `manager`. runService(config) uses the systemd manager.
int runService(const config::Config& config, ServiceManager& manager);

// Loads the files the configuration names (profile, postal reference table), as `run` does at
// start, so that `alur-relay check-config` finds every mistake `run` would stop on.
Status checkConfiguredFiles(const config::Config& config);

}  // namespace alur::service
