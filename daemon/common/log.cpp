#include "common/log.h"

#include <cstdlib>
#include <mutex>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>

namespace alur {
namespace {

// Timestamp, level, module and message; the journal records time and level itself.
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v";
constexpr const char* kJournalPattern = "[%n] %v";

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
  spdlog::register_logger(created);
  return created;
}

bool startedByJournald() { return std::getenv("JOURNAL_STREAM") != nullptr; }

void setUpLogging(const LogSettings& settings) {
  std::lock_guard lock(registry_mutex);
  level() = spdlog::level::from_str(settings.level);
  std::vector<spdlog::sink_ptr> chosen;
  if (settings.journald) {
    auto journal = std::make_shared<spdlog::sinks::systemd_sink_mt>("alur-relay", true);
    journal->set_pattern(kJournalPattern);
    chosen.push_back(journal);
  } else {
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
