// Registration of the Windows service with the service control manager and the Event Log, as
// done by `alur-relay service install|configure|uninstall` and by the MSI. Windows only.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace alur::windows {

struct ServiceDefinition {
  std::wstring name = L"alur-relay";
  std::wstring display_name = L"alur-relay";
  std::wstring description;
  std::filesystem::path executable;
  // The command line after the executable, e.g. run --config "C:\ProgramData\...\x.conf".
  std::wstring arguments;
  // The account, e.g. NT SERVICE\alur-relay (a virtual account); empty: LocalSystem.
  std::wstring account;
};

// Recovery: restart 60 s after the first and the second failure, and 5 minutes after later ones.
// The count of failures goes back to zero after a day without one.
inline constexpr std::chrono::seconds kFirstRestartDelay{60};
inline constexpr std::chrono::seconds kLaterRestartDelay{300};
inline constexpr std::chrono::seconds kFailureResetPeriod{24 * 3600};

// Settings that this service control manager rejected as unknown (ERROR_INVALID_LEVEL), each
// with the sc command that sets it. Windows supports them all since Windows Vista, but Wine 8.0
// lacks the delayed start, the non-crash failure flag and the service SID type.
struct ConfigureReport {
  std::vector<std::string> unsupported;
};

// Creates the service (automatic start, own process) and configures it as configureService()
// does. Fails when a service of that name exists.
Status installService(const ServiceDefinition& service, ConfigureReport& report);

// Sets the description, the delayed automatic start, the recovery actions (applied also when
// the service stops with a non-zero exit code: SERVICE_CONFIG_FAILURE_ACTIONS_FLAG) and the
// unrestricted service SID of an existing service.
Status configureService(const ServiceDefinition& service, ConfigureReport& report);

// Asks the SCM to start the service, without waiting for it to be running.
Status startService(const std::wstring& name);

// Asks the running service to read its configuration again (SERVICE_CONTROL_PARAMCHANGE),
// without waiting for the reload.
Status reloadService(const std::wstring& name);

// Stops the service when it runs (waiting up to `stop_timeout`), then deletes it.
Status uninstallService(const std::wstring& name, std::chrono::seconds stop_timeout);

// Registers `source` in the Application log with `message_file` (the executable, whose message
// table holds the text of the entries), or removes it.
Status registerEventSource(const std::wstring& source, const std::filesystem::path& message_file);
Status removeEventSource(const std::wstring& source);

// Creates `folder` and its secrets subfolder, restricts them to SYSTEM, Administrators and
// `service_sid`, and copies `example_config` to `config_file` when that file does not exist, so
// that an upgrade keeps the configuration. Returns true when it copied the example.
Result<bool> prepareDataFolder(const std::filesystem::path& folder, const std::string& service_sid,
                               const std::filesystem::path& example_config,
                               const std::filesystem::path& config_file);

// Returns a few lines about the service for a person: state, start type, account, command line,
// recovery. Settings that the service control manager does not report are shown as not reported.
Result<std::string> describeService(const std::wstring& name);

}  // namespace alur::windows
