// Named spdlog loggers, one per module ("watch", "ingest", "store", "upload", ...).
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace alur {

// Returns the logger called `name`, creating it with the shared sinks on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Sends every module logger to stderr and, when `file` is not empty, to that file as well.
void setUpLogging(const std::string& level, const std::string& file);

}  // namespace alur
