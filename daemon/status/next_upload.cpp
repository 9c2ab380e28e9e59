#include "status/next_upload.h"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace alur::status {

std::string nextUploadText(const config::Config& config,
                           const std::vector<store::BatchRow>& batches,
                           std::chrono::system_clock::time_point now) {
  for (const auto& batch : batches) {
    if (batch.state == "built" || batch.state == "uploading") {
      if (batch.next_attempt_at.empty()) {
        return batch.file_name + " at the next check (within a second while the service runs)";
      }
      return batch.file_name + " at " + batch.next_attempt_at + " (retry)";
    }
  }
  if (config.schedule.mode == "after-import") {
    return "a batch " + std::to_string(config.schedule.delay_seconds) +
           " s after the next export is read, if it brings new or changed leases";
  }
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  bool today = local.tm_hour * 60 + local.tm_min <
               config.schedule.daily_hour * 60 + config.schedule.daily_minute;
  local.tm_mday += today ? 0 : 1;
  local.tm_hour = config.schedule.daily_hour;
  local.tm_min = config.schedule.daily_minute;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  std::time_t next = std::mktime(&local);
  std::tm shown{};
  localtime_r(&next, &shown);
  std::ostringstream out;
  out << std::put_time(&shown, "%Y-%m-%d %H:%M") << " local time, if leases are pending";
  return out.str();
}

}  // namespace alur::status
