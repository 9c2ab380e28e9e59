// The resident process: watches the export folder, runs the pipeline on its schedule, reloads
// its configuration on SIGHUP (or on request of the Windows service control manager) and stops
// cleanly on SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"
#include "config/config.h"
#include "service/reload.h"
#include "service/service_manager.h"

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
  // Called before the run loop starts with a function that requests a reload of the
  // configuration, as SIGHUP does. It may be called from any thread. Before runService
  // returns, it calls expose_stop and expose_reload again with an empty function, after which
  // the earlier functions must no longer be called.
  std::function<void(std::function<void()>)> expose_reload;
  // Reads the configuration file for a reload. When empty, config::loadConfig. The Windows
  // service sets it so that a reload checks access rights and decrypts the stored secrets, as
  // the start did.
  ConfigLoader load;
};

// Runs the service in the foreground until a stop signal or request. Returns the process exit
// code: 0 after a clean stop, kExitConfig when the configuration or its files are unusable, 1
// for other start-up failures. Without hooks it reports to systemd (sd_notify), which does
// nothing when systemd did not start the process.
int runService(const config::Config& config, const RunHooks& hooks = {});

// Runs the service as above and reports its readiness, reloads, stop and watchdog pings to
// `manager`. Of `hooks`, only expose_stop, expose_reload and load are used.
int runService(const config::Config& config, ServiceManager& manager, const RunHooks& hooks);

// Loads the files the configuration names (profile, postal reference table), as `run` does at
// start, so that `alur-relay check-config` finds every mistake `run` would stop on.
Status checkConfiguredFiles(const config::Config& config);

}  // namespace alur::service
