// When a batch that waits for another upload attempt is due.
//
// The next attempt is stored as a wall-clock time (batch.next_attempt_at) so that it survives a
// restart. While the process runs, the monotonic deadline kept with it decides instead, so a
// wall clock set forward or back neither hurries nor delays a retry. A stored time further ahead
// than the maximum backoff comes from a wall clock set back after it was written, or from a
// database copied from another machine. It is clamped to now plus the maximum backoff, so that
// no batch waits for years.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace alur::schedule {

// Returns the time that a stored next attempt stands for at `now`: the stored time, or now plus
// `max_delay` when the stored time is further ahead. An empty or unreadable text means now.
std::chrono::system_clock::time_point effectiveNextAttempt(
    const std::string& stored, std::chrono::system_clock::time_point now,
    std::chrono::seconds max_delay);

class UploadRetries {
 public:
  // `max_delay` is the maximum backoff (schedule.retry_max_seconds). `clock` must outlive this.
  UploadRetries(const Clock& clock, std::chrono::seconds max_delay);

  // Remembers that `batch_id` is tried again after `delay` on the monotonic clock, and returns
  // the wall-clock time to store as its next attempt.
  std::string scheduleRetry(std::int64_t batch_id, std::chrono::seconds delay);

  // Returns the batches in state built or uploading whose attempt is due now, in id order. A
  // stored next attempt beyond the maximum backoff is clamped in `store` first.
  Result<std::vector<store::BatchRow>> dueBatches(store::Store& store);

 private:
  struct Deadline {
    std::string stored;  // the next_attempt_at that scheduleRetry returned
    std::chrono::steady_clock::time_point at;
  };

  const Clock& clock_;
  std::chrono::seconds max_delay_;
  std::map<std::int64_t, Deadline> deadlines_;
};

}  // namespace alur::schedule
