// The Windows commands of alur-relay.exe: the service mode of `run`, the Windows checks of `run`
// and `check`, `service ...` and `secret set`. Windows only; the full build links it.
#include <iostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/win32.h"
#include "config/config.h"
#include "platform/platform_commands.h"
#include "platform/windows/file_access.h"
#include "platform/windows/paths.h"
#include "platform/windows/secrets.h"
#include "platform/windows/service_commands.h"
#include "platform/windows/service_control.h"
#include "service/service.h"

#include <windows.h>

namespace alur::platform {
namespace {

constexpr const wchar_t* kServiceName = L"alur-relay";

struct CommandLine {
  std::vector<std::string> words;  // command and operands
  std::filesystem::path config;
  bool start_if_configured = false;  // service configure, as the MSI runs it
};

CommandLine parse(int argc, char** argv) {
  CommandLine line;
  line.config = win32::widen(defaultConfigPath());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      line.config = win32::widen(argv[++i]);
    } else if (arg == "--start-if-configured") {
      line.start_if_configured = true;
    } else if (arg.starts_with("--config=")) {
      line.config = win32::widen(arg.substr(9));
    } else {
      line.words.push_back(arg);
    }
  }
  return line;
}

// Replaces `value` with the stored secret it names, if any. The settings get the decrypted value
// too, as they contain a password written in the file, so that a reload detects a secret whose
// file changed.
Status resolveStoredSecret(const std::filesystem::path& file, const std::string& key,
                           std::string& value, config::Config& config) {
  auto resolved = windows::resolveSecret(file, key, value);
  if (!resolved) {
    return resolved.status();
  }
  value = std::move(*resolved);
  if (auto setting = config.settings.find(key); setting != config.settings.end()) {
    setting->second = value;
  }
  return Status::Ok();
}

// Checks the access rights of the configuration and of the stored secrets, loads the
// configuration, applies the Windows checks and decrypts the stored secrets it names.
Result<config::Config> loadForWindows(const std::filesystem::path& file) {
  if (Status s = windows::checkNotReadableByOrdinaryUsers(file, "the configuration file"); !s) {
    return s;
  }
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(file.parent_path() / "secrets", ec)) {
    if (Status s = windows::checkNotReadableByOrdinaryUsers(entry.path(), "the secret file"); !s) {
      return s;
    }
  }
  auto loaded = config::loadConfig(file);
  if (!loaded) {
    return loaded.status();
  }
  config::Config config = std::move(*loaded);
  if (Status s = windows::checkExportFolderLocation(config.export_folder); !s) {
    return Status::Error(win32::utf8Path(file) + ": " + s.message());
  }
  if (Status s = resolveStoredSecret(file, "platform.password", config.ftps.password, config); !s) {
    return s;
  }
  if (Status s = resolveStoredSecret(file, "email.password", config.email.password, config); !s) {
    return s;
  }
  return config;
}

LogSettings logSettings(const config::Config& config, bool event_log) {
  LogSettings settings;
  settings.level = config.log_level;
  settings.file = config.log_file;
  settings.max_file_bytes = static_cast<std::size_t>(config.log_max_megabytes) << 20;
  settings.max_files = static_cast<std::size_t>(config.log_files);
  settings.event_log = event_log;
  return settings;
}

// The service's body: START_PENDING while the configuration loads and the service starts,
// RUNNING once runService() reports ready, STOP_PENDING while it drains.
int serviceBody(const std::filesystem::path& file, windows::ServiceContext& context) {
  LogSettings early;
  early.event_log = true;
  setUpLogging(early);
  auto config = loadForWindows(file);
  if (!config) {
    logger("service")->critical("configuration error=\"{}\"", config.message());
    return config::kExitConfig;
  }
  setUpLogging(logSettings(*config, true));
  service::RunHooks hooks;
  hooks.ready = [&context] { context.reportReady(); };
  hooks.stopping = [&context] { context.reportStopping(); };
  hooks.expose_stop = [&context](std::function<void()> request) {
    context.onStopRequest(std::move(request));
  };
  hooks.expose_reload = [&context](std::function<void()> request) {
    context.onReloadRequest(std::move(request));
  };
  hooks.load = loadForWindows;
  return service::runService(*config, hooks);
}

int run(const CommandLine& line) {
  auto as_service = windows::runAsService(kServiceName, [&](windows::ServiceContext& context) {
    return serviceBody(line.config, context);
  });
  if (as_service) {
    return *as_service;
  }
  auto config = loadForWindows(line.config);
  if (!config) {
    std::cerr << "alur-relay: " << config.message() << "\n";
    return config::kExitConfig;
  }
  setUpLogging(logSettings(*config, false));
  return service::runService(*config);
}

int check(const CommandLine& line) {
  auto config = loadForWindows(line.config);
  if (!config) {
    std::cerr << "alur-relay: " << config.message() << "\n";
    return config::kExitConfig;
  }
  if (Status files = service::checkConfiguredFiles(*config); !files) {
    std::cerr << "alur-relay: " << files.message() << "\n";
    return config::kExitConfig;
  }
  std::cout << "configuration " << win32::utf8Path(config->source) << " is valid\n";
  return 0;
}

// Reads one line from standard input, without echo when it is a console.
std::string readSecretLine() {
  HANDLE input = ::GetStdHandle(STD_INPUT_HANDLE);
  DWORD mode = 0;
  bool console = ::GetConsoleMode(input, &mode) != 0;
  if (console) {
    std::cerr << "value (not shown): " << std::flush;
    ::SetConsoleMode(input, mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  }
  std::string value;
  std::getline(std::cin, value);
  if (console) {
    ::SetConsoleMode(input, mode);
    std::cerr << "\n";
  }
  if (!value.empty() && value.back() == '\r') {
    value.pop_back();
  }
  return value;
}

int secret(const CommandLine& line) {
  if (line.words.size() != 3 || line.words[1] != "set") {
    std::cerr << "alur-relay: use: alur-relay secret set NAME [--config FILE], with the value "
                 "on standard input\n";
    return 64;
  }
  const std::string& name = line.words[2];
  if (Status s = windows::checkSecretName(name); !s) {
    std::cerr << "alur-relay: " << s.message() << "\n";
    return 64;
  }
  std::string value = readSecretLine();
  if (Status s = windows::storeSecret(line.config, name, value); !s) {
    std::cerr << "alur-relay: " << s.message() << "\n";
    return 1;
  }
  std::cout << "stored " << name << " in "
            << win32::utf8Path(windows::secretFile(line.config, name))
            << " (DPAPI, this machine only); use it in the configuration as: secret:" << name
            << "\n";
  return 0;
}

}  // namespace

std::optional<int> runPlatformCommand(int argc, char** argv) {
  CommandLine line = parse(argc, argv);
  if (line.words.empty()) {
    return std::nullopt;
  }
  const std::string& command = line.words[0];
  if (command == "service") {
    if (line.words.size() != 2) {
      std::cerr
          << "alur-relay: use: alur-relay service install|configure|reload|uninstall|status\n";
      return 64;
    }
    auto options = windows::defaultServiceOptions(line.config);
    options.start_if_configured = line.start_if_configured;
    return windows::runServiceCommand(line.words[1], options, std::cout, std::cerr);
  }
  if (command == "secret") {
    return secret(line);
  }
  if (command == "run" && line.words.size() == 1) {
    return run(line);
  }
  if (command == "check" && line.words.size() == 1) {
    return check(line);
  }
  return std::nullopt;
}

std::string defaultConfigPath() {
  auto file = windows::defaultConfigFile();
  return file ? win32::utf8Path(*file) : "C:\\ProgramData\\alur-relay\\alur-relay.conf";
}

std::string platformUsage() {
  return "\nWindows commands:\n"
         "  service install|configure|reload|uninstall|status\n"
         "            register the Windows service (virtual account NT SERVICE\\alur-relay,\n"
         "            delayed automatic start, restart on failure, Event Log source), update\n"
         "            its settings, make it read its configuration again, remove it, or show\n"
         "            its state\n"
         "  secret set NAME\n"
         "            store a password read from standard input with DPAPI; the\n"
         "            configuration names it as secret:NAME, e.g. secret:platform.password\n";
}

}  // namespace alur::platform
