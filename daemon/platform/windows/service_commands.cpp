#include "platform/windows/service_commands.h"

#include <chrono>
#include <vector>

#include "common/win32.h"
#include "platform/windows/file_access.h"
#include "platform/windows/service_install.h"

#include <windows.h>

namespace alur::windows {
namespace {

constexpr std::chrono::seconds kUninstallStopTimeout{120};

ServiceDefinition definitionOf(const ServiceCommandOptions& options) {
  ServiceDefinition service;
  service.name = options.name;
  service.display_name = options.name;
  service.description =
      L"Sends the agency's leases to the rent observatory's platform (loi ALUR) and collects "
      L"the receipts.";
  service.executable = options.executable;
  service.arguments = L"run --config \"" + options.config_file.native() + L"\"";
  service.account = options.account;
  return service;
}

void printUnsupported(const ConfigureReport& report, std::ostream& out) {
  for (const std::string& setting : report.unsupported) {
    out << "warning: this service control manager does not support the " << setting << "\n";
  }
}

// The steps shared by install and configure, once the service exists.
int finishSetup(const ServiceCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (Status s = registerEventSource(options.name, options.executable); !s) {
    err << "alur-relay: " << s.message() << "\n";
    return 1;
  }
  auto sid = virtualAccountSid(options.name);
  if (!sid) {
    err << "alur-relay: " << sid.message() << "\n";
    return 1;
  }
  std::filesystem::path folder = options.config_file.parent_path();
  auto copied = prepareDataFolder(folder, *sid, options.example_config, options.config_file);
  if (!copied) {
    err << "alur-relay: " << copied.message() << "\n";
    return 1;
  }
  out << "data folder " << win32::utf8Path(folder)
      << " is restricted to SYSTEM, Administrators and " << win32::narrow(options.account) << "\n";
  if (!*copied && options.start_if_configured) {
    if (Status s = startService(options.name); !s) {
      err << "alur-relay: " << s.message() << "\n";
      return 1;
    }
    out << "service " << win32::narrow(options.name) << " started with "
        << win32::utf8Path(options.config_file) << "\n";
    return 0;
  }
  out << "configuration: " << win32::utf8Path(options.config_file)
      << (*copied ? " (copied from the example)" : "")
      << "\nedit it, check it with: alur-relay check --config \""
      << win32::utf8Path(options.config_file) << "\", then start the service with: sc start "
      << win32::narrow(options.name) << "\n";
  return 0;
}

}  // namespace

std::filesystem::path currentExecutable() {
  std::vector<wchar_t> buffer(MAX_PATH);
  while (true) {
    DWORD length = ::GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
    if (length < buffer.size()) {
      return std::filesystem::path(std::wstring(buffer.data(), length));
    }
    buffer.resize(buffer.size() * 2);
  }
}

ServiceCommandOptions defaultServiceOptions(const std::filesystem::path& config_file) {
  ServiceCommandOptions options;
  options.account = L"NT SERVICE\\" + options.name;
  options.config_file = config_file;
  options.executable = currentExecutable();
  options.example_config = options.executable.parent_path() / L"alur-relay.conf.example";
  return options;
}

int runServiceCommand(const std::string& action, const ServiceCommandOptions& options,
                      std::ostream& out, std::ostream& err) {
  ServiceDefinition service = definitionOf(options);
  ConfigureReport report;
  if (action == "install" || action == "configure") {
    Status s =
        action == "install" ? installService(service, report) : configureService(service, report);
    if (!s) {
      err << "alur-relay: " << s.message() << "\n";
      return 1;
    }
    out << "service " << win32::narrow(options.name)
        << (action == "install" ? " installed" : " configured") << "\n";
    printUnsupported(report, out);
    return finishSetup(options, out, err);
  }
  if (action == "uninstall") {
    if (Status s = uninstallService(options.name, kUninstallStopTimeout); !s) {
      err << "alur-relay: " << s.message() << "\n";
      return 1;
    }
    if (Status s = removeEventSource(options.name); !s) {
      err << "alur-relay: " << s.message() << "\n";
      return 1;
    }
    out << "service " << win32::narrow(options.name) << " removed; "
        << win32::utf8Path(options.config_file.parent_path())
        << " keeps the configuration, the secrets and the database\n";
    return 0;
  }
  if (action == "reload") {
    if (Status s = reloadService(options.name); !s) {
      err << "alur-relay: " << s.message() << "\n";
      return 1;
    }
    out << "service " << win32::narrow(options.name)
        << " asked to reload its configuration; the log lists the keys applied and those that "
           "need a restart\n";
    return 0;
  }
  if (action == "status") {
    auto text = describeService(options.name);
    if (!text) {
      err << "alur-relay: " << text.message() << "\n";
      return 1;
    }
    out << *text;
    return 0;
  }
  err << "alur-relay: unknown service action \"" << action
      << "\"; use install, configure, reload, uninstall or status\n";
  return 64;
}

}  // namespace alur::windows
