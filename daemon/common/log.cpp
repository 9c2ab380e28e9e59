#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/log_sinks.h"

namespace alur {
namespace {

// Timestamp, level, module and message.
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v";

std::mutex registry_mutex;
std::vector<spdlog::sink_ptr>& sinks() {
  static std::vector<spdlog::sink_ptr> shared = [] {
    auto console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    console->set_pattern(kPattern);
    return std::vector<spdlog::sink_ptr>{console};
  }();
  return shared;
}
spdlog::level::level_enum& level() {
  static spdlog::level::level_enum shared = spdlog::level::info;
  return shared;
}

// Reports a failed write of the log (a full disk, a removed folder) on standard error, once per
// distinct message and hour. spdlog's default handler repeats it up to once per second.
void reportLogFailure(const std::string& message) {
  static std::mutex mutex;
  static std::string last_message;
  static std::chrono::steady_clock::time_point last_at;
  std::lock_guard lock(mutex);
  auto now = std::chrono::steady_clock::now();
  if (message == last_message && now - last_at < std::chrono::hours(1)) {
    return;
  }
  last_message = message;
  last_at = now;
  std::fprintf(stderr,
               "alur-relay: cannot write the log: %s (the service goes on; this message is "
               "repeated at most once an hour)\n",
               message.c_str());
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  std::lock_guard lock(registry_mutex);
  if (auto existing = spdlog::get(name)) {
    return existing;
  }
  auto created = std::make_shared<spdlog::logger>(name, sinks().begin(), sinks().end());
  created->set_level(level());
  // Every line reaches the file at once, so the last lines before a crash are not lost in a
  // stdio buffer.
  created->flush_on(spdlog::level::trace);
  created->set_error_handler(reportLogFailure);
  spdlog::register_logger(created);
  return created;
}

bool startedByJournald() { return std::getenv("JOURNAL_STREAM") != nullptr; }

void setLogLevel(const std::string& name) {
  std::lock_guard lock(registry_mutex);
  level() = spdlog::level::from_str(name);
  spdlog::apply_all(
      [&](const std::shared_ptr<spdlog::logger>& existing) { existing->set_level(level()); });
}

void setUpLogging(const LogSettings& settings) {
  std::lock_guard lock(registry_mutex);
  level() = spdlog::level::from_str(settings.level);
  std::vector<spdlog::sink_ptr> chosen = systemLogSinks(settings);
  if (!settings.journald) {
    auto console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    console->set_pattern(kPattern);
    chosen.push_back(console);
  }
  if (!settings.file.empty()) {
    auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        settings.file, settings.max_file_bytes, settings.max_files);
    file->set_pattern(kPattern);
    chosen.push_back(file);
  }
  sinks() = chosen;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& existing) {
    existing->sinks() = sinks();
    existing->set_level(level());
  });
}

}  // namespace alur
