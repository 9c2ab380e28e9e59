#include "status/next_upload.h"

#include <ctime>
#include <iomanip>
#include <sstream>

#include "common/clock.h"
#include "schedule/upload_retry.h"

namespace alur::status {

std::string formatLocalMinute(std::chrono::system_clock::time_point time) {
  std::tm local = localParts(std::chrono::system_clock::to_time_t(time));
  std::ostringstream out;
  out << std::put_time(&local, "%Y-%m-%d %H:%M");
  return out.str();
}

std::string nextBuildText(const config::Config& config,
                          const std::optional<schedule::LastRun>& last_run,
                          std::chrono::system_clock::time_point now) {
  const std::string schedule_words = schedule::describe(config.schedule);
  if (config.schedule.mode == "after-import") {
    return "a batch " + std::to_string(config.schedule.delay_seconds) +
           " s after the next export is read, if it brings new or changed leases";
  }
  ManualClock clock(now);
  schedule::Schedule schedule(config.schedule, clock, last_run);
  auto next = schedule.nextRun();
  if (!next) {
    return "none within the next 8 days (" + schedule_words + ")";
  }
  if (*next <= now) {
    return "due now (" + schedule_words +
           "): the running service builds a batch within a second, if leases are pending";
  }
  return formatLocalMinute(*next) + " local time (" + schedule_words + "), if leases are pending";
}

std::string nextUploadText(const config::Config& config,
                           const std::vector<store::BatchRow>& batches,
                           const std::optional<schedule::LastRun>& last_run,
                           std::chrono::system_clock::time_point now) {
  const auto max_delay = std::chrono::seconds(config.schedule.retry_max_seconds);
  const store::BatchRow* soonest = nullptr;
  std::chrono::system_clock::time_point soonest_at;
  for (const auto& batch : batches) {
    if (batch.state != "built" && batch.state != "uploading") {
      continue;
    }
    auto at = schedule::effectiveNextAttempt(batch.next_attempt_at, now, max_delay);
    if (soonest == nullptr || at < soonest_at) {
      soonest = &batch;
      soonest_at = at;
    }
  }
  if (soonest == nullptr) {
    return nextBuildText(config, last_run, now);
  }
  if (soonest_at <= now) {
    return soonest->file_name + " at the next check (within a second while the service runs)";
  }
  return soonest->file_name + " at " + formatUtc(soonest_at) + " (retry)";
}

}  // namespace alur::status
