// The service's configuration: an INI file read with Boost.program_options. Every key, its
// default and its meaning are listed in config/alur-relay.conf.example.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <string>

#include "batch/official_file.h"
#include "common/status.h"
#include "notify/mailer.h"
#include "transport/transport.h"

namespace alur::config {

struct ScheduleSettings {
  // "daily": one batch a day at daily_hour:daily_minute. "every": a batch every every_minutes
  // from window_from_minute until window_until_minute. Both use local time and run only on the
  // days set in `weekdays`. "after-import": a batch delay_seconds after the last import (and
  // once delay_seconds after the service starts).
  std::string mode = "daily";
  int delay_seconds = 300;
  int daily_hour = 2;
  int daily_minute = 30;
  int every_minutes = 30;
  int window_from_minute = 8 * 60;    // minutes after local midnight, first run of the day
  int window_until_minute = 19 * 60;  // minutes after local midnight, excluded
  std::array<bool, 7> weekdays = {true, true, true, true, true, true, true};  // [0] is Sunday
  int retry_initial_seconds = 60;
  int retry_max_seconds = 3600;
};

struct ReceiptSettings {
  int poll_seconds = 300;
  std::string ack_pattern = "{stem}.ACK.TXT";
  std::string report_pattern = "{stem}.RAPPORT.CSV";
  std::string certificate_pattern = "{stem}.CERTIFICAT.PDF";
  char report_separator = ';';
  std::string report_status_integrated = "INTEGRE";
  std::string report_status_rejected = "REJETE";
  std::string report_encoding = "auto";  // auto, utf-8, windows-1252 or iso-8859-15
  // 0-based columns of the dwelling id, the status and the reason in the report.
  int report_id_column = 0;
  int report_status_column = 1;
  int report_reason_column = 2;
};

// The local status endpoint (HTTP) and the thresholds of its /health route.
struct StatusSettings {
  std::string listen_address = "127.0.0.1";
  int port = 8470;  // 0: no endpoint
  bool allow_remote = false;
  int health_window_minutes = 60;
  int min_free_megabytes = 200;
  int max_days_without_export = 8;  // 0: no check
};

struct Config {
  std::filesystem::path source;  // the file this was read from

  // [service]
  std::filesystem::path state_dir;
  std::string log_level = "info";
  std::string log_file;
  int log_max_megabytes = 10;  // the log file rotates at this size
  int log_files = 5;           // rotated log files kept

  // [export]
  std::filesystem::path export_folder;
  std::filesystem::path profile;
  std::string file_pattern = "*.csv";
  int stable_seconds = 10;
  int rescan_seconds = 300;

  // [contributor] and [official]
  batch::Contributor contributor;
  batch::FileOptions file_options;

  // [platform]
  transport::FtpsSettings ftps;
  std::string upload_dir = "/";
  std::string return_dir = "/";
  std::string temp_suffix = ".part";

  ScheduleSettings schedule;
  ReceiptSettings receipts;

  // [reference]
  std::filesystem::path postal_table;

  StatusSettings status;

  // [email]
  notify::SmtpSettings email;

  // Every key, as "section.key", with its value as the file writes it or its default as text,
  // so that a reload can tell which keys changed.
  std::map<std::string, std::string> settings;

  std::filesystem::path databasePath() const { return state_dir / "alur-relay.db"; }
  std::filesystem::path outboxDir() const { return state_dir / "outbox"; }
  std::filesystem::path sentDir() const { return state_dir / "sent"; }
  std::filesystem::path archiveDir() const { return state_dir / "archive"; }
  std::filesystem::path quarantineDir() const { return state_dir / "quarantine"; }
};

struct LoadOptions {
  // Whether loadConfig creates service.state_dir when missing and writes and removes a small
  // file in it. Commands that only read the state, such as `status`, may turn this off.
  bool check_state_dir_writable = true;
};

// Reads and checks the configuration. A missing key, a value of the wrong type, an unknown key
// or an impossible combination gives an error that names the file, the key, the fix and the
// line when the file sets the key. Values are read literally to the end of their line, '#'
// included.
Result<Config> loadConfig(const std::filesystem::path& path, const LoadOptions& options = {});

// Exit code of `alur-relay check-config` and of `run` for a bad configuration (EX_CONFIG).
constexpr int kExitConfig = 78;

}  // namespace alur::config
