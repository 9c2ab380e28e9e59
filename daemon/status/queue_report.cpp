#include "status/queue_report.h"

#include <map>
#include <sstream>

#include "common/state_lock.h"
#include "schedule/stored_schedule.h"
#include "schedule/upload_retry.h"
#include "status/next_upload.h"

namespace alur::status {
namespace {

// Writes the lines that follow the first line of a batch: attempts, errors and what comes next.
void describeBatch(std::ostream& out, const store::BatchRow& b,
                   const std::vector<store::UploadAttempt>& attempts, const config::Config& config,
                   bool service_running, std::chrono::system_clock::time_point now) {
  const std::string indent = "      ";
  std::string failed_at = lastFailureAt(attempts);
  if (b.attempts > 0) {
    out << indent << "attempts: " << b.attempts;
    if (!failed_at.empty()) {
      out << ", the last failed at " << failed_at;
    }
    out << "\n";
  }
  const bool rejected_as_whole = b.state == "failed" && !b.uploaded_at.empty();
  if (!b.last_error.empty() && !rejected_as_whole) {
    out << indent << "last error: " << b.last_error << "\n";
  }
  const std::string resend = "alur-relay resend " + b.file_name;
  if (b.state == "built" || b.state == "uploading") {
    auto at = schedule::effectiveNextAttempt(
        b.next_attempt_at, now, std::chrono::seconds(config.schedule.retry_max_seconds));
    if (at <= now) {
      out << indent << "next attempt: "
          << (service_running ? "now, at the next check of the running service"
                              : "as soon as the service starts")
          << "\n";
    } else {
      out << indent << "next attempt: " << formatUtc(at) << " (in "
          << formatDuration(std::chrono::duration_cast<std::chrono::seconds>(at - now))
          << "); to try at once: " << resend << "\n";
    }
  } else if (b.state == "failed" && b.uploaded_at.empty()) {
    out << indent << "stopped until an operator acts: fix the cause, then " << resend << "\n";
  } else if (rejected_as_whole) {
    out << indent << b.last_error
        << (b.acknowledged_at.empty() ? "" : " (recorded at " + b.acknowledged_at + ")") << "\n"
        << indent << "to send its leases again in a new batch: " << resend << "\n";
  } else if (b.state == "uploaded") {
    out << indent << "uploaded at " << b.uploaded_at << ", waits for the acknowledgement\n";
  } else if (b.state == "acknowledged") {
    out << indent << "acknowledged at " << b.acknowledged_at
        << ", waits for the integration report\n";
  } else if (b.state == "reported") {
    out << indent << "integration report applied, waits for the certificate\n";
  }
}

}  // namespace

std::string formatDuration(std::chrono::seconds duration) {
  long seconds = static_cast<long>(duration.count());
  long minutes = seconds / 60;
  long hours = minutes / 60;
  long days = hours / 24;
  if (days > 0) {
    return std::to_string(days) + (days == 1 ? " day " : " days ") + std::to_string(hours % 24) +
           " h";
  }
  if (hours > 0) {
    return std::to_string(hours) + " h " + std::to_string(minutes % 60) + " min";
  }
  if (minutes > 0) {
    return std::to_string(minutes) + " min";
  }
  return std::to_string(seconds) + " s";
}

std::string formatAge(const std::string& then, std::chrono::system_clock::time_point now) {
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - parseUtc(then));
  if (age.count() < 0) {
    return "in the future: the wall clock is earlier than this time";
  }
  return formatDuration(age) + " ago";
}

std::string lastFailureAt(const std::vector<store::UploadAttempt>& attempts) {
  for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
    if (it->result == "failed" || it->result == "retry") {
      return it->at;
    }
  }
  return "";
}

Result<std::string> renderQueue(const config::Config& config,
                                std::chrono::system_clock::time_point now) {
  auto store = store::Store::openReadOnly(config.databasePath());
  if (!store) {
    return store.status();
  }
  auto overview = (*store)->overview();
  if (!overview) {
    return overview.status();
  }
  auto batches = (*store)->unfinishedBatches();
  if (!batches) {
    return batches.status();
  }
  auto last_run = schedule::loadLastRun(**store);
  std::map<std::string, int> counts(overview->leases_by_state.begin(),
                                    overview->leases_by_state.end());
  const bool running = isStateFolderLocked(config.state_dir);
  std::ostringstream out;
  out << "Service: "
      << (running ? "running" : "stopped, so nothing is built or uploaded until it starts") << "\n";
  out << "Leases waiting for the next batch: " << counts["pending"];
  if (!overview->oldest_pending_since.empty()) {
    out << ", the oldest queued at " << overview->oldest_pending_since << " ("
        << formatAge(overview->oldest_pending_since, now) << ")";
  }
  out << "\nNext batch: " << nextBuildText(config, last_run.value_or(std::nullopt), now) << "\n";
  if (!last_run) {
    out << "Last scheduled run: " << last_run.message() << "\n";
  } else if (*last_run) {
    out << "Last scheduled run: " << formatUtc((*last_run)->at) << " (for "
        << (*last_run)->slot.text() << " local time)\n";
  }
  int to_correct = counts["invalid"] + counts["rejected"];
  if (to_correct > 0) {
    out << "Leases to correct in the management software: " << to_correct
        << " (alur-relay status lists them)\n";
  }

  out << "\nBatches not yet certified, oldest first: ";
  if (batches->empty()) {
    out << "none\n";
  } else {
    out << batches->size() << "\n";
  }
  for (const auto& b : *batches) {
    out << "  " << b.file_name << "  " << b.state << "  " << b.lease_count << " leases, built at "
        << b.created_at << "\n";
    auto attempts = (*store)->uploadAttempts(b.id);
    if (!attempts) {
      return attempts.status();
    }
    describeBatch(out, b, *attempts, config, running, now);
  }
  return out.str();
}

}  // namespace alur::status
