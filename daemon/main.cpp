// alur-relay: sends the leases of a French property-management agency to the rent
// observatory's platform (loi ALUR). main only reads the command line and calls a library.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "common/clock.h"
#include "common/log.h"
#include "common/system.h"
#include "config/config.h"
#include "ingest/check_export.h"
#include "notify/notifier.h"
#include "platform/platform_commands.h"
#include "service/resend.h"
#include "service/service.h"
#include "status/queue_report.h"
#include "status/status_json.h"
#include "status/status_report.h"
#include "store/store.h"

namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: alur-relay COMMAND [--config FILE]\n"
    "\n"
    "Commands:\n"
    "  run       run the service in the foreground until SIGINT or SIGTERM; SIGHUP reloads\n"
    "            the configuration\n"
    "  status [--json]\n"
    "            print the state of the queue, the batches and the certificates\n"
    "  check-config\n"
    "            check the configuration and its files; exit 0, or 78 when unusable\n"
    "            (check is another name for it)\n"
    "  queue     list what waits or is stuck: pending leases, the next batch, and every batch\n"
    "            not yet certified with its attempts, next attempt and last error\n"
    "  resend    put failed batches back to work once their cause is fixed (a batch that\n"
    "            never reached the platform is sent again under its name; the leases of a\n"
    "            batch the platform rejected as a whole go into a new batch)\n"
    "  resend BATCH [--yes]\n"
    "            the same for one batch, or try a batch waiting for a retry at once; prints\n"
    "            what will happen and asks for confirmation unless --yes is given\n"
    "  notify-test\n"
    "            send a test mail to email.to and email.alerts_to; exit 0 when the server\n"
    "            accepted it, 1 when not, 78 when e-mail is off\n"
    "  check-export FILE --profile PROFILE [--json]\n"
    "            read one export without a service or database and print the status of each\n"
    "            lease; exit 0 when the file is readable, 65 when not, 78 for a bad profile\n"
    "\n"
    "Options:\n";

int loadOrExit(const std::string& path, alur::config::Config& config,
               const alur::config::LoadOptions& options = {}) {
  auto loaded = alur::config::loadConfig(path, options);
  if (!loaded) {
    std::cerr << "alur-relay: " << loaded.message() << "\n";
    return alur::config::kExitConfig;
  }
  config = std::move(*loaded);
  return 0;
}

// The postal table of an installed package, or of the source tree for a build that is not
// installed.
std::string defaultPostalTable() {
  const std::string installed = "/usr/share/alur-relay/laposte_hexasmal.csv";
  if (std::filesystem::exists(installed)) {
    return installed;
  }
  return std::string(ALUR_SOURCE_DATA_DIR) + "/laposte_hexasmal.csv";
}

int checkExport(const std::string& file, const std::string& profile_path,
                const std::string& postal_table_path, bool json) {
  auto profile = alur::ingest::loadProfile(profile_path);
  if (!profile) {
    std::cerr << "alur-relay: " << profile.message() << "\n";
    return alur::ingest::kExitBadProfile;
  }
  auto postal_table = alur::lease::PostalTable::load(postal_table_path);
  if (!postal_table) {
    std::cerr << "alur-relay: " << postal_table.message() << "\n";
    return alur::ingest::kExitBadProfile;
  }
  alur::LocalDate today = alur::localDate(std::chrono::system_clock::now());
  alur::ingest::CheckExportOptions options{file, json, {today.year, today.month, today.day}};
  return alur::ingest::checkExport(options, *profile, *postal_table, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  if (auto handled = alur::platform::runPlatformCommand(argc, argv)) {
    return *handled;
  }
  std::string command;
  std::vector<std::string> operands;
  std::string config_path = alur::platform::defaultConfigPath();
  std::string profile_path;
  std::string postal_table_path = defaultPostalTable();

  // clang-format off
  po::options_description options;
  options.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("config,c", po::value(&config_path)->default_value(config_path), "configuration file")
      ("profile", po::value(&profile_path), "check-export: profile of the export")
      ("json", "status, check-export: print one JSON document")
      ("yes,y", "resend BATCH: do not ask for confirmation")
      ("postal-table", po::value(&postal_table_path)->default_value(postal_table_path),
       "check-export: La Poste's postal code table (CSV)");
  po::options_description hidden;
  hidden.add_options()
      ("command", po::value(&command))
      ("operand", po::value(&operands));
  // clang-format on
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("operand", -1);

  po::variables_map args;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "alur-relay: " << e.what() << "\n" << kUsage << options;
    return 64;  // EX_USAGE
  }
  if (args.count("help") > 0) {
    std::cout << kUsage << options << alur::platform::platformUsage();
    return 0;
  }
  if (args.count("version") > 0) {
    std::cout << "alur-relay " << ALUR_VERSION << "\n";
    return 0;
  }

  if (command == "check-export") {
    if (operands.size() != 1 || profile_path.empty()) {
      std::cerr << "alur-relay: check-export needs one FILE and --profile PROFILE\n"
                << kUsage << options;
      return 64;
    }
    return checkExport(operands[0], profile_path, postal_table_path, args.count("json") > 0);
  }
  const std::size_t allowed_operands = command == "resend" ? 1 : 0;
  if (operands.size() > allowed_operands) {
    std::cerr << "alur-relay: unexpected argument " << operands[allowed_operands] << "\n"
              << kUsage << options;
    return 64;
  }

  alur::config::Config config;
  if (command == "run") {
    if (int rc = loadOrExit(config_path, config); rc != 0) {
      return rc;
    }
    alur::setUpLogging({config.log_level, config.log_file,
                        static_cast<std::size_t>(config.log_max_megabytes) << 20,
                        static_cast<std::size_t>(config.log_files), alur::startedByJournald()});
    return alur::service::runService(config);
  }
  if (command == "status") {
    // status only reads the state, so an operator without write access may run it.
    if (int rc = loadOrExit(config_path, config, {.check_state_dir_writable = false}); rc != 0) {
      return rc;
    }
    auto text = args.count("json") > 0 ? alur::status::renderStatusJson(config)
                                       : alur::status::renderStatus(config);
    if (!text) {
      std::cerr << "alur-relay: " << text.message() << "\n";
      return 1;
    }
    std::cout << *text;
    return 0;
  }
  if (command == "queue") {
    // queue only reads the state, as status does.
    if (int rc = loadOrExit(config_path, config, {.check_state_dir_writable = false}); rc != 0) {
      return rc;
    }
    auto text = alur::status::renderQueue(config, std::chrono::system_clock::now());
    if (!text) {
      std::cerr << "alur-relay: " << text.message() << "\n";
      return 1;
    }
    std::cout << *text;
    return 0;
  }
  if (command == "resend") {
    if (int rc = loadOrExit(config_path, config); rc != 0) {
      return rc;
    }
    if (!operands.empty()) {
      alur::service::ResendRequest request{operands[0], args.count("yes") > 0,
                                           alur::standardInputIsTerminal()};
      return alur::service::resendBatch(config, request, std::cin, std::cout, std::cerr);
    }
    auto store = alur::store::Store::open(config.databasePath());
    if (!store) {
      std::cerr << "alur-relay: " << store.message() << "\n";
      return 1;
    }
    auto resent = (*store)->resendFailed(alur::formatUtc(std::chrono::system_clock::now()));
    if (!resent) {
      std::cerr << "alur-relay: " << resent.message() << "\n";
      return 1;
    }
    std::cout << *resent << " failed batch(es) put back to work; the running service sends "
              << "them at its next check\n";
    return 0;
  }
  if (command == "notify-test") {
    if (int rc = loadOrExit(config_path, config, {.check_state_dir_writable = false}); rc != 0) {
      return rc;
    }
    if (!config.email.enabled()) {
      std::cerr << "alur-relay: e-mail is off in " << config.source.string()
                << ": set email.server, email.from and email.to in its [email] section\n";
      return alur::config::kExitConfig;
    }
    alur::SystemClock clock;
    auto mailer = alur::notify::makeSmtpMailer(config.email);
    alur::notify::SendResult sent = alur::notify::sendTestMail(config, *mailer, clock);
    if (!sent.ok) {
      std::cerr << "alur-relay: test mail not sent: " << sent.message << "\n";
      return 1;
    }
    std::cout << "test mail accepted by " << config.email.server << ":" << config.email.port
              << " for " << config.email.to.size() + config.email.alerts_to.size()
              << " address(es); check the mailboxes of email.to and email.alerts_to\n";
    return 0;
  }
  if (command == "check-config" || command == "check") {
    if (int rc = loadOrExit(config_path, config); rc != 0) {
      return rc;
    }
    if (alur::Status files = alur::service::checkConfiguredFiles(config); !files) {
      std::cerr << "alur-relay: " << files.message() << "\n";
      return alur::config::kExitConfig;
    }
    std::cout << "configuration " << config.source.string() << " is valid\n";
    return 0;
  }
  std::cerr << "alur-relay: "
            << (command.empty() ? "no command given" : "unknown command " + command) << "\n"
            << kUsage << options;
  return 64;
}
