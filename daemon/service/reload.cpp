#include "service/reload.h"

#include <map>
#include <set>

#include "common/log.h"
#include "config/config_source.h"
#include "service/service.h"

namespace alur::service {
namespace {

using config::Config;
using Copy = void (*)(Config& to, const Config& from);

// Copies the keys of the upload window, which are read together (mode, time, period, window,
// days), so that any of them takes the whole window of the new file.
void copyScheduleWindow(Config& to, const Config& from) {
  to.schedule.mode = from.schedule.mode;
  to.schedule.daily_hour = from.schedule.daily_hour;
  to.schedule.daily_minute = from.schedule.daily_minute;
  to.schedule.every_minutes = from.schedule.every_minutes;
  to.schedule.window_from_minute = from.schedule.window_from_minute;
  to.schedule.window_until_minute = from.schedule.window_until_minute;
  to.schedule.weekdays = from.schedule.weekdays;
}

// The reloadable keys, each with the members of Config it sets. Each member is read on one
// thread only (the worker's, or the main loop's for the log level and the /health thresholds),
// and the caller applies a change on that thread.
const std::map<std::string, Copy>& reloadableKeys() {
  static const std::map<std::string, Copy> kKeys = {
      {"service.log_level", [](Config& to, const Config& from) { to.log_level = from.log_level; }},

      {"export.file_pattern",
       [](Config& to, const Config& from) { to.file_pattern = from.file_pattern; }},
      {"export.stable_seconds",
       [](Config& to, const Config& from) { to.stable_seconds = from.stable_seconds; }},
      {"export.rescan_seconds",
       [](Config& to, const Config& from) { to.rescan_seconds = from.rescan_seconds; }},

      {"platform.host", [](Config& to, const Config& from) { to.ftps.host = from.ftps.host; }},
      {"platform.port", [](Config& to, const Config& from) { to.ftps.port = from.ftps.port; }},
      {"platform.user", [](Config& to, const Config& from) { to.ftps.user = from.ftps.user; }},
      {"platform.password",
       [](Config& to, const Config& from) { to.ftps.password = from.ftps.password; }},
      {"platform.ca_file",
       [](Config& to, const Config& from) { to.ftps.ca_file = from.ftps.ca_file; }},
      {"platform.tls",
       [](Config& to, const Config& from) { to.ftps.implicit_tls = from.ftps.implicit_tls; }},
      {"platform.connect_timeout_seconds",
       [](Config& to, const Config& from) {
         to.ftps.connect_timeout_seconds = from.ftps.connect_timeout_seconds;
       }},
      {"platform.transfer_timeout_seconds",
       [](Config& to, const Config& from) {
         to.ftps.transfer_timeout_seconds = from.ftps.transfer_timeout_seconds;
       }},

      // The worker then rebuilds its schedule from the database's last run.
      {"schedule.mode", copyScheduleWindow},
      {"schedule.time", copyScheduleWindow},
      {"schedule.daily_at", copyScheduleWindow},
      {"schedule.every_minutes", copyScheduleWindow},
      {"schedule.from", copyScheduleWindow},
      {"schedule.until", copyScheduleWindow},
      {"schedule.days", copyScheduleWindow},
      {"schedule.delay_seconds",
       [](Config& to, const Config& from) {
         to.schedule.delay_seconds = from.schedule.delay_seconds;
       }},
      // The loader raises the maximum delay to at least the initial one, so both move together.
      {"schedule.retry_initial_seconds",
       [](Config& to, const Config& from) {
         to.schedule.retry_initial_seconds = from.schedule.retry_initial_seconds;
         to.schedule.retry_max_seconds = from.schedule.retry_max_seconds;
       }},
      {"schedule.retry_max_seconds",
       [](Config& to, const Config& from) {
         to.schedule.retry_initial_seconds = from.schedule.retry_initial_seconds;
         to.schedule.retry_max_seconds = from.schedule.retry_max_seconds;
       }},

      {"receipts.poll_seconds",
       [](Config& to, const Config& from) {
         to.receipts.poll_seconds = from.receipts.poll_seconds;
       }},
      {"receipts.ack_pattern",
       [](Config& to, const Config& from) { to.receipts.ack_pattern = from.receipts.ack_pattern; }},
      {"receipts.report_pattern",
       [](Config& to, const Config& from) {
         to.receipts.report_pattern = from.receipts.report_pattern;
       }},
      {"receipts.certificate_pattern",
       [](Config& to, const Config& from) {
         to.receipts.certificate_pattern = from.receipts.certificate_pattern;
       }},
      {"receipts.report_separator",
       [](Config& to, const Config& from) {
         to.receipts.report_separator = from.receipts.report_separator;
       }},
      {"receipts.status_integrated",
       [](Config& to, const Config& from) {
         to.receipts.report_status_integrated = from.receipts.report_status_integrated;
       }},
      {"receipts.status_rejected",
       [](Config& to, const Config& from) {
         to.receipts.report_status_rejected = from.receipts.report_status_rejected;
       }},

      {"receipts.report_encoding",
       [](Config& to, const Config& from) {
         to.receipts.report_encoding = from.receipts.report_encoding;
       }},
      {"receipts.report_columns",
       [](Config& to, const Config& from) {
         to.receipts.report_id_column = from.receipts.report_id_column;
         to.receipts.report_status_column = from.receipts.report_status_column;
         to.receipts.report_reason_column = from.receipts.report_reason_column;
       }},

      // The notifier reads the e-mail settings at each mail, so every key of [email] applies
      // at once. The keys are checked together, so the whole section is copied.
      {"email.server", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.port", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.security", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.user", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.password", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.ca_file", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.from", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.to", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.alerts_to", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.alert_after_minutes", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.summary", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.summary_at", [](Config& to, const Config& from) { to.email = from.email; }},
      {"email.timeout_seconds", [](Config& to, const Config& from) { to.email = from.email; }},

      {"status.health_window_minutes",
       [](Config& to, const Config& from) {
         to.status.health_window_minutes = from.status.health_window_minutes;
       }},
      {"status.min_free_megabytes",
       [](Config& to, const Config& from) {
         to.status.min_free_megabytes = from.status.min_free_megabytes;
       }},
      {"status.max_days_without_export",
       [](Config& to, const Config& from) {
         to.status.max_days_without_export = from.status.max_days_without_export;
       }},
  };
  return kKeys;
}

std::string valueOf(const std::map<std::string, std::string>& settings, const std::string& key) {
  auto it = settings.find(key);
  return it == settings.end() ? std::string() : it->second;
}

std::string shown(const std::string& value) { return value.empty() ? "(empty)" : value; }

}  // namespace

bool isReloadable(const std::string& key) { return reloadableKeys().count(key) > 0; }

Result<ReloadPlan> planReload(const Config& running, const ConfigLoader& load) {
  auto loaded = load ? load(running.source) : config::loadConfig(running.source);
  if (!loaded) {
    return loaded.status();
  }
  if (Status files = checkConfiguredFiles(*loaded); !files) {
    return files;
  }

  std::set<std::string> keys;
  for (const auto& [key, value] : running.settings) {
    keys.insert(key);
  }
  for (const auto& [key, value] : loaded->settings) {
    keys.insert(key);
  }
  ReloadPlan plan{running, {}, {}};
  for (const auto& key : keys) {
    KeyChange change{key, valueOf(running.settings, key), valueOf(loaded->settings, key)};
    if (change.before == change.after) {
      continue;
    }
    if (isReloadable(key)) {
      plan.next.settings[key] = change.after;
      plan.applied.push_back(std::move(change));
    } else {
      plan.needs_restart.push_back(std::move(change));
    }
  }
  applyReloadable(*loaded, plan.applied, plan.next);
  return plan;
}

void applyReloadable(const Config& from, const std::vector<KeyChange>& changes, Config& to) {
  for (const auto& change : changes) {
    auto it = reloadableKeys().find(change.key);
    if (it != reloadableKeys().end()) {
      it->second(to, from);
    }
  }
}

void logReloadPlan(const ReloadPlan& plan) {
  auto log = logger("service");
  for (const auto& change : plan.applied) {
    if (config::isSecret(change.key)) {
      log->info("reload applies {} (changed)", change.key);
    } else {
      log->info("reload applies {} = {} (was {})", change.key, shown(change.after),
                shown(change.before));
    }
  }
  for (const auto& change : plan.needs_restart) {
    if (config::isSecret(change.key)) {
      log->warn("{} changed but needs a restart; the running value stays until then", change.key);
    } else {
      log->warn("{} = {} needs a restart; the service keeps {} until then", change.key,
                shown(change.after), shown(change.before));
    }
  }
}

}  // namespace alur::service
