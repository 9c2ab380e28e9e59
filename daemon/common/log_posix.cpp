#include <spdlog/sinks/systemd_sink.h>

#include "common/log_sinks.h"

namespace alur {
namespace {

// The journal records time and level itself.
constexpr const char* kJournalPattern = "[%n] %v";

}  // namespace

std::vector<spdlog::sink_ptr> systemLogSinks(const LogSettings& settings) {
  if (!settings.journald) {
    return {};
  }
  auto journal = std::make_shared<spdlog::sinks::systemd_sink_mt>("alur-relay", true);
  journal->set_pattern(kJournalPattern);
  return {journal};
}

}  // namespace alur
