// `alur-relay service install|configure|reload|uninstall|status`: what an administrator runs, and
// what the MSI runs after it registered the service. Windows only.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

namespace alur::windows {

struct ServiceCommandOptions {
  std::wstring name = L"alur-relay";
  // NT SERVICE\<name>, a virtual account that Windows manages; it has no password and reaches
  // network shares as the computer's account (DOMAIN\COMPUTER$).
  std::wstring account;
  std::filesystem::path config_file;     // given to `run --config`
  std::filesystem::path executable;      // the program the service runs
  std::filesystem::path example_config;  // copied to config_file when missing
  // configure: start the service when config_file existed already, as after an upgrade.
  bool start_if_configured = false;
};

// The usual options: the service alur-relay, its virtual account, this executable, the example
// configuration beside it, and `config_file`.
ServiceCommandOptions defaultServiceOptions(const std::filesystem::path& config_file);

// Runs the action ("install", "configure", "uninstall" or "status"), writes what it did to `out`
// and errors to `err`, and returns the exit code: 0, 1 on failure, 64 for an unknown action.
//   install    registers the service, the Event Log source and prepares the data folder
//   configure  the same for a service that exists (the MSI registers it itself)
//   uninstall  stops and deletes the service and removes the Event Log source; the data
//              folder with the configuration, the secrets and the database stays
//   status     prints the state and the settings of the service
int runServiceCommand(const std::string& action, const ServiceCommandOptions& options,
                      std::ostream& out, std::ostream& err);

// Returns the path of the running executable.
std::filesystem::path currentExecutable();

}  // namespace alur::windows
