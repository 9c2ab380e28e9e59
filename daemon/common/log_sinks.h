// The sinks of the system's own log, one implementation per platform.
#pragma once

#include <vector>

#include <spdlog/common.h>

#include "common/log.h"

namespace alur {

// Returns the systemd journal sink when settings.journald is set (POSIX), or the Event Log sink
// when settings.event_log is set (Windows); an empty list otherwise.
std::vector<spdlog::sink_ptr> systemLogSinks(const LogSettings& settings);

}  // namespace alur
