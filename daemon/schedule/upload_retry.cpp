#include "schedule/upload_retry.h"

#include <set>

#include "common/log.h"

namespace alur::schedule {

std::chrono::system_clock::time_point effectiveNextAttempt(
    const std::string& stored, std::chrono::system_clock::time_point now,
    std::chrono::seconds max_delay) {
  if (stored.empty()) {
    return now;
  }
  auto at = parseUtc(stored);
  if (formatUtc(at) != stored) {
    return now;
  }
  return std::min(at, now + max_delay);
}

UploadRetries::UploadRetries(const Clock& clock, std::chrono::seconds max_delay)
    : clock_(clock), max_delay_(max_delay) {}

std::string UploadRetries::scheduleRetry(std::int64_t batch_id, std::chrono::seconds delay) {
  const auto now = clock_.now();
  std::string stored = formatUtc(now + delay);
  // The stored time has whole seconds; the monotonic deadline ends with it, so that both
  // clocks agree on when the retry is due.
  const auto until_stored = parseUtc(stored) - now;
  deadlines_[batch_id] = {
      stored, clock_.steadyNow() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(until_stored)};
  return stored;
}

Result<std::vector<store::BatchRow>> UploadRetries::dueBatches(store::Store& store) {
  auto waiting = store.batchesWaitingForUpload();
  if (!waiting) {
    return waiting.status();
  }
  const auto now = clock_.now();
  const auto steady_now = clock_.steadyNow();
  std::set<std::int64_t> ids;
  std::vector<store::BatchRow> due;
  for (auto& batch : *waiting) {
    ids.insert(batch.id);
    auto deadline = deadlines_.find(batch.id);
    if (deadline != deadlines_.end() && deadline->second.stored == batch.next_attempt_at) {
      if (steady_now >= deadline->second.at) {
        due.push_back(batch);
      }
      continue;
    }
    if (deadline != deadlines_.end()) {
      deadlines_.erase(deadline);  // changed by another process, e.g. `alur-relay resend`
    }
    auto at = effectiveNextAttempt(batch.next_attempt_at, now, max_delay_);
    if (!batch.next_attempt_at.empty() && at < parseUtc(batch.next_attempt_at)) {
      std::string clamped = formatUtc(at);
      if (Status s = store.clampNextAttempt(batch.id, clamped); !s) {
        return s;
      }
      logger("upload")->warn(
          "batch={} next_attempt={} is more than retry_max_seconds={} ahead: the wall clock "
          "was set back; next attempt moved to {}",
          batch.file_name, batch.next_attempt_at, max_delay_.count(), clamped);
      continue;
    }
    if (at <= now) {
      due.push_back(batch);
    }
  }
  std::erase_if(deadlines_, [&](const auto& entry) { return ids.count(entry.first) == 0; });
  return due;
}

}  // namespace alur::schedule
