#include "platform/windows/service_install.h"

#include <array>
#include <sstream>
#include <thread>
#include <vector>

#include "common/win32.h"
#include "platform/windows/file_access.h"

#include <windows.h>

namespace alur::windows {
namespace {

constexpr const wchar_t* kEventLogKey =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";

class ScHandle {
 public:
  explicit ScHandle(SC_HANDLE handle) : handle_(handle) {}
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ~ScHandle() {
    if (handle_ != nullptr) {
      ::CloseServiceHandle(handle_);
    }
  }
  SC_HANDLE get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  SC_HANDLE handle_;
};

Result<std::unique_ptr<ScHandle>> openManager() {
  auto manager = std::make_unique<ScHandle>(
      ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE));
  if (!*manager) {
    return Status::Error("cannot open the service control manager: " + win32::lastErrorText() +
                         "; run the command as administrator");
  }
  return manager;
}

Result<std::unique_ptr<ScHandle>> openService(const std::wstring& name, DWORD access) {
  auto manager = openManager();
  if (!manager) {
    return manager.status();
  }
  auto service =
      std::make_unique<ScHandle>(::OpenServiceW((*manager)->get(), name.c_str(), access));
  if (!*service) {
    return Status::Error("cannot open the service " + win32::narrow(name) + ": " +
                         win32::lastErrorText());
  }
  return service;
}

// Applies one ChangeServiceConfig2W level. A level the SCM does not know is recorded in
// `report` rather than failing the whole configuration.
Status changeConfig(SC_HANDLE service, DWORD level, void* info, const char* setting,
                    const char* sc_command, ConfigureReport& report) {
  if (::ChangeServiceConfig2W(service, level, info)) {
    return Status::Ok();
  }
  DWORD error = ::GetLastError();
  if (error == ERROR_INVALID_LEVEL) {
    report.unsupported.push_back(std::string(setting) + " (set it with: " + sc_command + ")");
    return Status::Ok();
  }
  return Status::Error(std::string("cannot set the ") + setting + ": " + win32::errorText(error));
}

std::string stateName(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return "stopped";
    case SERVICE_START_PENDING:
      return "starting";
    case SERVICE_STOP_PENDING:
      return "stopping";
    case SERVICE_RUNNING:
      return "running";
    default:
      return "state " + std::to_string(state);
  }
}

std::string actionName(const SC_ACTION& action) {
  std::string delay = std::to_string(action.Delay / 1000) + " s";
  switch (action.Type) {
    case SC_ACTION_RESTART:
      return "restart after " + delay;
    case SC_ACTION_REBOOT:
      return "reboot after " + delay;
    case SC_ACTION_RUN_COMMAND:
      return "run a command after " + delay;
    default:
      return "none";
  }
}

// Reads one QueryServiceConfig2W level into `buffer`; false when the SCM does not report it.
bool queryConfig(SC_HANDLE service, DWORD level, std::vector<BYTE>& buffer) {
  DWORD needed = 0;
  ::QueryServiceConfig2W(service, level, nullptr, 0, &needed);
  if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
    return false;
  }
  buffer.assign(needed, 0);
  return ::QueryServiceConfig2W(service, level, buffer.data(), needed, &needed) != 0;
}

}  // namespace

Status installService(const ServiceDefinition& service, ConfigureReport& report) {
  auto manager = openManager();
  if (!manager) {
    return manager.status();
  }
  std::wstring command_line = L"\"" + service.executable.native() + L"\" " + service.arguments;
  const wchar_t* account = service.account.empty() ? nullptr : service.account.c_str();
  ScHandle created(::CreateServiceW(
      (*manager)->get(), service.name.c_str(), service.display_name.c_str(), SERVICE_ALL_ACCESS,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command_line.c_str(),
      nullptr, nullptr, nullptr, account, nullptr));
  if (!created) {
    DWORD error = ::GetLastError();
    if (error == ERROR_SERVICE_EXISTS) {
      return Status::Error("the service " + win32::narrow(service.name) +
                           " is already installed; remove it first with: alur-relay service "
                           "uninstall, or only update its settings with: alur-relay service "
                           "configure");
    }
    return Status::Error("cannot create the service " + win32::narrow(service.name) + ": " +
                         win32::errorText(error));
  }
  return configureService(service, report);
}

Status configureService(const ServiceDefinition& service, ConfigureReport& report) {
  auto opened = openService(service.name, SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (!opened) {
    return opened.status();
  }
  SC_HANDLE handle = (*opened)->get();
  std::string sc_name = win32::narrow(service.name);

  std::wstring description = service.description;
  SERVICE_DESCRIPTIONW description_info{description.data()};
  if (Status s = changeConfig(handle, SERVICE_CONFIG_DESCRIPTION, &description_info, "description",
                              ("sc description " + sc_name).c_str(), report);
      !s) {
    return s;
  }

  SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};
  if (Status s = changeConfig(handle, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed,
                              "delayed automatic start",
                              ("sc config " + sc_name + " start= delayed-auto").c_str(), report);
      !s) {
    return s;
  }

  auto first = static_cast<DWORD>(
      std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRestartDelay).count());
  auto later = static_cast<DWORD>(
      std::chrono::duration_cast<std::chrono::milliseconds>(kLaterRestartDelay).count());
  std::array<SC_ACTION, 3> actions = {
      {{SC_ACTION_RESTART, first}, {SC_ACTION_RESTART, first}, {SC_ACTION_RESTART, later}}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = static_cast<DWORD>(kFailureResetPeriod.count());
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  std::string failure_command = "sc failure " + sc_name +
                                " reset= " + std::to_string(kFailureResetPeriod.count()) +
                                " actions= restart/" + std::to_string(first) + "/restart/" +
                                std::to_string(first) + "/restart/" + std::to_string(later);
  if (Status s = changeConfig(handle, SERVICE_CONFIG_FAILURE_ACTIONS, &failure, "recovery actions",
                              failure_command.c_str(), report);
      !s) {
    return s;
  }

  SERVICE_FAILURE_ACTIONS_FLAG non_crash{TRUE};
  if (Status s = changeConfig(handle, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &non_crash,
                              "recovery on non-crash failures",
                              ("sc failureflag " + sc_name + " 1").c_str(), report);
      !s) {
    return s;
  }

  SERVICE_SID_INFO sid{SERVICE_SID_TYPE_UNRESTRICTED};
  return changeConfig(handle, SERVICE_CONFIG_SERVICE_SID_INFO, &sid, "service SID type",
                      ("sc sidtype " + sc_name + " unrestricted").c_str(), report);
}

Status uninstallService(const std::wstring& name, std::chrono::seconds stop_timeout) {
  auto opened = openService(name, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
  if (!opened) {
    return opened.status();
  }
  SC_HANDLE handle = (*opened)->get();
  SERVICE_STATUS status{};
  if (::ControlService(handle, SERVICE_CONTROL_STOP, &status)) {
    auto deadline = std::chrono::steady_clock::now() + stop_timeout;
    while (status.dwCurrentState != SERVICE_STOPPED) {
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::Error("the service " + win32::narrow(name) + " did not stop within " +
                             std::to_string(stop_timeout.count()) +
                             " s; stop it (sc stop), then run the command again");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      if (!::QueryServiceStatus(handle, &status)) {
        break;
      }
    }
  }
  if (!::DeleteService(handle)) {
    DWORD error = ::GetLastError();
    if (error != ERROR_SERVICE_MARKED_FOR_DELETE) {
      return Status::Error("cannot delete the service " + win32::narrow(name) + ": " +
                           win32::errorText(error));
    }
  }
  return Status::Ok();
}

Status registerEventSource(const std::wstring& source, const std::filesystem::path& message_file) {
  std::wstring key_name = kEventLogKey + source;
  HKEY key = nullptr;
  LSTATUS rc = ::RegCreateKeyExW(HKEY_LOCAL_MACHINE, key_name.c_str(), 0, nullptr, 0, KEY_SET_VALUE,
                                 nullptr, &key, nullptr);
  if (rc != ERROR_SUCCESS) {
    return Status::Error("cannot register the Event Log source " + win32::narrow(source) + ": " +
                         win32::errorText(static_cast<DWORD>(rc)) +
                         "; run the command as administrator");
  }
  const std::wstring& file = message_file.native();
  DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  rc = ::RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                        reinterpret_cast<const BYTE*>(file.c_str()),
                        static_cast<DWORD>((file.size() + 1) * sizeof(wchar_t)));
  if (rc == ERROR_SUCCESS) {
    rc = ::RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD,
                          reinterpret_cast<const BYTE*>(&types), sizeof types);
  }
  ::RegCloseKey(key);
  if (rc != ERROR_SUCCESS) {
    return Status::Error("cannot register the Event Log source " + win32::narrow(source) + ": " +
                         win32::errorText(static_cast<DWORD>(rc)));
  }
  return Status::Ok();
}

Status removeEventSource(const std::wstring& source) {
  std::wstring key_name = kEventLogKey + source;
  LSTATUS rc = ::RegDeleteKeyW(HKEY_LOCAL_MACHINE, key_name.c_str());
  if (rc != ERROR_SUCCESS && rc != ERROR_FILE_NOT_FOUND) {
    return Status::Error("cannot remove the Event Log source " + win32::narrow(source) + ": " +
                         win32::errorText(static_cast<DWORD>(rc)));
  }
  return Status::Ok();
}

Result<bool> prepareDataFolder(const std::filesystem::path& folder, const std::string& service_sid,
                               const std::filesystem::path& example_config,
                               const std::filesystem::path& config_file) {
  std::error_code ec;
  std::filesystem::create_directories(folder / "secrets", ec);
  if (ec) {
    return Status::Error("cannot create " + win32::utf8Path(folder / "secrets") + ": " +
                         ec.message());
  }
  if (Status s = restrictFolder(folder, service_sid); !s) {
    return s;
  }
  if (std::filesystem::exists(config_file, ec)) {
    return false;
  }
  if (!std::filesystem::copy_file(example_config, config_file, ec)) {
    return Status::Error("cannot copy the example configuration " +
                         win32::utf8Path(example_config) + " to " + win32::utf8Path(config_file) +
                         ": " + ec.message());
  }
  return true;
}

Status startService(const std::wstring& name) {
  auto opened = openService(name, SERVICE_START);
  if (!opened) {
    return opened.status();
  }
  if (!::StartServiceW((*opened)->get(), 0, nullptr)) {
    DWORD error = ::GetLastError();
    if (error != ERROR_SERVICE_ALREADY_RUNNING) {
      return Status::Error("cannot start the service " + win32::narrow(name) + ": " +
                           win32::errorText(error));
    }
  }
  return Status::Ok();
}

Status reloadService(const std::wstring& name) {
  // PARAMCHANGE needs the SERVICE_PAUSE_CONTINUE access right.
  auto opened = openService(name, SERVICE_PAUSE_CONTINUE);
  if (!opened) {
    return opened.status();
  }
  SERVICE_STATUS status{};
  if (!::ControlService((*opened)->get(), SERVICE_CONTROL_PARAMCHANGE, &status)) {
    DWORD error = ::GetLastError();
    std::string hint = error == ERROR_SERVICE_NOT_ACTIVE
                           ? "; start it with sc start " + win32::narrow(name)
                       : error == ERROR_INVALID_SERVICE_CONTROL
                           ? "; it is starting or stopping, try again once it runs"
                           : "";
    return Status::Error("cannot ask the service " + win32::narrow(name) +
                         " to reload its configuration: " + win32::errorText(error) + hint);
  }
  return Status::Ok();
}

Result<std::string> describeService(const std::wstring& name) {
  auto opened = openService(name, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS);
  if (!opened) {
    return opened.status();
  }
  SC_HANDLE handle = (*opened)->get();
  std::ostringstream text;
  SERVICE_STATUS status{};
  if (::QueryServiceStatus(handle, &status)) {
    text << "state: " << stateName(status.dwCurrentState) << "\n";
  }

  DWORD needed = 0;
  ::QueryServiceConfigW(handle, nullptr, 0, &needed);
  std::vector<BYTE> buffer(needed, 0);
  auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data());
  if (needed > 0 && ::QueryServiceConfigW(handle, config, needed, &needed)) {
    std::string start = config->dwStartType == SERVICE_AUTO_START     ? "automatic"
                        : config->dwStartType == SERVICE_DEMAND_START ? "manual"
                        : config->dwStartType == SERVICE_DISABLED     ? "disabled"
                                                                      : "other";
    std::vector<BYTE> delayed;
    if (config->dwStartType == SERVICE_AUTO_START) {
      if (!queryConfig(handle, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, delayed)) {
        start += " (delayed start: not reported)";
      } else if (reinterpret_cast<SERVICE_DELAYED_AUTO_START_INFO*>(delayed.data())
                     ->fDelayedAutostart) {
        start += " (delayed)";
      }
    }
    text << "start: " << start << "\n";
    text << "account: "
         << (config->lpServiceStartName != nullptr ? win32::narrow(config->lpServiceStartName)
                                                   : "LocalSystem")
         << "\n";
    text << "command: " << win32::narrow(config->lpBinaryPathName) << "\n";
  }

  std::vector<BYTE> failure;
  if (queryConfig(handle, SERVICE_CONFIG_FAILURE_ACTIONS, failure)) {
    auto* actions = reinterpret_cast<SERVICE_FAILURE_ACTIONSW*>(failure.data());
    text << "recovery:";
    for (DWORD i = 0; i < actions->cActions; ++i) {
      text << (i == 0 ? " " : ", ") << actionName(actions->lpsaActions[i]);
    }
    text << (actions->cActions == 0 ? " none" : "") << "; reset after " << actions->dwResetPeriod
         << " s\n";
  } else {
    text << "recovery: not reported by this service control manager\n";
  }
  return text.str();
}

}  // namespace alur::windows
