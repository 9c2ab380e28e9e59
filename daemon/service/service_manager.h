// The link between the running service and the service manager that started it (systemd on
// Linux): readiness, reloads, stops, a one-line status and watchdog pings.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace alur::service {

// Call from one thread only: the service calls it from its main thread.
class ServiceManager {
 public:
  virtual ~ServiceManager() = default;

  // Reports that the service is ready, with a status line. Also ends a reload.
  virtual void ready(const std::string& status) = 0;
  // Reports that the service is reloading its configuration; ready() ends the reload.
  virtual void reloading() = 0;
  // Reports that the service has begun to stop.
  virtual void stopping() = 0;
  // Replaces the one-line status that the manager shows (systemctl status).
  virtual void status(const std::string& text) = 0;

  // Returns the period within which the manager expects a watchdog ping, or std::nullopt when
  // it does not watch this process.
  virtual std::optional<std::chrono::microseconds> watchdogPeriod() const = 0;
  // Sends one watchdog ping.
  virtual void watchdogPing() = 0;
};

// Returns the manager of the platform. On Linux it is systemd (sd_notify), and every call does
// nothing when the process was not started by systemd with Type=notify, that is when
// NOTIFY_SOCKET is not set. On Windows every call does nothing: the service control manager is
// reached through RunHooks (service.h), and a run from a console has no manager.
std::unique_ptr<ServiceManager> makePlatformManager();

}  // namespace alur::service
