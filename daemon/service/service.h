// The resident process: watches the export folder, runs the pipeline on its schedule and stops
// cleanly on SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"
#include "config/config.h"

namespace alur::service {

// Hooks for a service manager that follows the start and requests the stop itself, as the
// Windows service control manager does. Signals stop the service whether hooks are set or not.
struct RunHooks {
  // Called once the store, the watcher and the status endpoint are up.
  std::function<void()> ready;
  // Called when the service begins to stop, before it waits for the work in progress.
  std::function<void()> stopping;
  // Called before the run loop starts with a function that requests the stop. That function
  // may be called from any thread: it only posts the request to the run loop.
  std::function<void(std::function<void()>)> expose_stop;
};

// Runs the service in the foreground until a stop signal or request. Returns the process exit
// code: 0 after a clean stop, kExitConfig when the configuration or its files are unusable, 1
// for other start-up failures.
int runService(const config::Config& config, const RunHooks& hooks = {});

// Loads the files the configuration names (profile, postal reference table), as `run` does at
// start, so that `alur-relay check` finds every mistake `run` would stop on.
Status checkConfiguredFiles(const config::Config& config);

}  // namespace alur::service
