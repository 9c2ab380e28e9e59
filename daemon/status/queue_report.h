// The text of `alur-relay queue`: what waits or is stuck, read from the database without
// blocking the running service. It lists the pending leases with the age of the oldest and the
// next scheduled batch. Then every batch not yet certified, with its state, attempts, next
// attempt, last error, and what an operator can do about it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "store/store.h"

namespace alur::status {

Result<std::string> renderQueue(const config::Config& config,
                                std::chrono::system_clock::time_point now);

// Formats a duration for people, e.g. "3 days 4 h", "2 h 5 min", "12 min" or "40 s".
std::string formatDuration(std::chrono::seconds duration);

// Formats how long ago `then` (UTC, ISO 8601) was, e.g. "3 days 4 h ago" or "12 min ago".
std::string formatAge(const std::string& then, std::chrono::system_clock::time_point now);

// Returns the time of the last failed attempt in `attempts` (transient or permanent), or an
// empty text when none failed.
std::string lastFailureAt(const std::vector<store::UploadAttempt>& attempts);

}  // namespace alur::status
