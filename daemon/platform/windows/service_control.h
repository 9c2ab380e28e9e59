// The Windows service side of the process: the dispatcher connection, the control handler and
// the status reports that the service control manager (SCM) shows in `sc query`. Windows only.
//
// States reported, and who moves between them:
//
//   START_PENDING --reportReady()--> RUNNING --reportStopping()--> STOP_PENDING --body returns-->
//   STOPPED
//
// START_PENDING and STOP_PENDING are repeated every second with a new checkpoint, so the SCM
// sees progress for as long as the start or the drain takes. A body that returns before it
// reported ready goes straight to STOPPED. STOP and SHUTDOWN are accepted only while RUNNING.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace alur::windows {

// What the service's body uses to report its progress and to learn that it must stop.
class ServiceContext {
 public:
  virtual ~ServiceContext() = default;

  // Reports SERVICE_RUNNING. Call it once the service does its work.
  virtual void reportReady() = 0;

  // Reports SERVICE_STOP_PENDING until the body returns.
  virtual void reportStopping() = 0;

  // Sets the function that asks the body to stop. The control handler calls it on STOP and
  // SHUTDOWN from the dispatcher's thread, under the lock of this context, so it must only post
  // the request and return, and never call this context. When a stop was requested already, it
  // is called at once.
  virtual void onStopRequest(std::function<void()> request) = 0;

  // Sets the function that requests the body to read its configuration again. The control handler
  // calls it on PARAMCHANGE, which the service accepts while this function is set. Like the stop
  // request, it must only post the request and return.
  virtual void onReloadRequest(std::function<void()> request) = 0;
};

// The service itself. Its return value is the process's exit code: 0 is reported as NO_ERROR,
// any other value as ERROR_SERVICE_SPECIFIC_ERROR with that value as the service's exit code.
using ServiceBody = std::function<int(ServiceContext&)>;

// Runs `body` as the service `name` when the SCM started this process, and returns its exit
// code once the service stopped. Returns nothing when the process was started from a console
// or by another program, so that the caller runs in the foreground instead.
// NOTE: Wine 8.0 took up to 10 seconds to tell a console process that it was not started by
// the SCM in a prefix without a running service manager; Windows answers at once.
std::optional<int> runAsService(const std::wstring& name, ServiceBody body);

}  // namespace alur::windows
