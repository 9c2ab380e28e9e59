#include "common/log.h"

#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace alur {
namespace {

std::mutex registry_mutex;
std::vector<spdlog::sink_ptr>& sinks() {
  static std::vector<spdlog::sink_ptr> shared{std::make_shared<spdlog::sinks::stderr_sink_mt>()};
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
  created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
  spdlog::register_logger(created);
  return created;
}

void setUpLogging(const std::string& level_name, const std::string& file) {
  std::lock_guard lock(registry_mutex);
  level() = spdlog::level::from_str(level_name);
  if (!file.empty()) {
    sinks().push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
  }
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& existing) {
    existing->sinks() = sinks();
    existing->set_level(level());
  });
}

}  // namespace alur
