// When the service will upload next, in words, for the status outputs. The times come from the
// same code the service runs (schedule::Schedule, schedule::effectiveNextAttempt), so the
// status and the service cannot disagree.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "schedule/schedule.h"
#include "store/store.h"

namespace alur::status {

// Returns the soonest next attempt of the batches waiting for an upload. When none waits, it
// returns the schedule's next run (local time), or states that a batch follows the next export.
std::string nextUploadText(const config::Config& config,
                           const std::vector<store::BatchRow>& batches,
                           const std::optional<schedule::LastRun>& last_run,
                           std::chrono::system_clock::time_point now);

// The schedule's next run in words, e.g. "2026-03-29 03:00 local time (daily at 02:30 local
// time), if leases are pending".
std::string nextBuildText(const config::Config& config,
                          const std::optional<schedule::LastRun>& last_run,
                          std::chrono::system_clock::time_point now);

// Formats a time as "2026-03-29 03:00" in the local time zone.
std::string formatLocalMinute(std::chrono::system_clock::time_point time);

}  // namespace alur::status
