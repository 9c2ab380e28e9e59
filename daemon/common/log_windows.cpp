#include "common/event_log_sink.h"
#include "common/log_sinks.h"

namespace alur {

// Only warnings and errors go to the Event Log: it is where a Windows administrator looks for
// problems, and the log file keeps the rest.
std::vector<spdlog::sink_ptr> systemLogSinks(const LogSettings& settings) {
  if (!settings.event_log) {
    return {};
  }
  auto event_log = std::make_shared<EventLogSink>(kEventSource);
  event_log->set_level(spdlog::level::warn);
  return {event_log};
}

}  // namespace alur
