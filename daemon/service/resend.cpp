#include "service/resend.h"

#include <istream>
#include <ostream>

#include "common/clock.h"
#include "common/state_lock.h"
#include "common/text.h"
#include "schedule/stored_schedule.h"
#include "status/next_upload.h"
#include "status/queue_report.h"
#include "store/store.h"

namespace alur::service {
namespace {

struct Plan {
  std::string description;  // what the batch went through and what resending does
  bool actionable = false;  // false: nothing to do, or not allowed
  bool allowed = true;      // false: resending would send leases twice
};

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// Describes what resending `batch` does, from its state and its history.
Result<Plan> planResend(store::Store& store, const store::BatchRow& batch,
                        const config::Config& config, std::chrono::system_clock::time_point now) {
  auto attempts = store.uploadAttempts(batch.id);
  if (!attempts) {
    return attempts.status();
  }
  std::string failed_at = status::lastFailureAt(*attempts);
  std::string head =
      "batch " + batch.file_name + ": " + std::to_string(batch.lease_count) + " leases, ";
  Plan plan;
  if (batch.state == "failed" && batch.uploaded_at.empty()) {
    plan.description = head + "failed permanently" + (failed_at.empty() ? "" : " at " + failed_at) +
                       " with " + quoted(batch.last_error) +
                       ". It goes back to built and is uploaded again under the same name, with "
                       "the same bytes";
    plan.actionable = true;
    return plan;
  }
  if (batch.state == "failed") {
    auto leases = store.countLeasesToRequeue(batch.id);
    if (!leases) {
      return leases.status();
    }
    std::string rejected = head + "failed" +
                           (batch.acknowledged_at.empty() ? "" : " at " + batch.acknowledged_at) +
                           ": " + batch.last_error;
    if (*leases == 0) {
      plan.description = rejected +
                         ". None of its leases waits to be sent again: they were resent already, "
                         "or changed since and wait in the queue. Nothing to do";
      return plan;
    }
    auto last_run = schedule::loadLastRun(store);
    std::string next =
        config.schedule.mode == "after-import"
            ? "a batch " + std::to_string(config.schedule.delay_seconds) +
                  " s after the service sees them, which the running service does within 10 s "
                  "and a stopped one at its start"
            : status::nextBuildText(config, last_run.value_or(std::nullopt), now);
    plan.description = rejected + ". Its " + std::to_string(*leases) +
                       " leases go back to the queue for a new batch under a new name, and this "
                       "batch stays failed. Next batch: " +
                       next;
    plan.actionable = true;
    return plan;
  }
  if (batch.state == "uploading" && !batch.next_attempt_at.empty()) {
    plan.description = head + "attempt " + std::to_string(batch.attempts) + " failed" +
                       (failed_at.empty() ? "" : " at " + failed_at) + " with " +
                       quoted(batch.last_error) + ", next attempt planned at " +
                       batch.next_attempt_at +
                       ". Its next attempt becomes now, under the same name";
    plan.actionable = true;
    return plan;
  }
  if (batch.state == "built" || batch.state == "uploading") {
    plan.description = head + batch.state +
                       ", with no failure to act on: it is uploaded at the next check of the "
                       "running service, or when the service starts. Nothing to do";
    return plan;
  }
  plan.description = head + batch.state +
                     (batch.uploaded_at.empty() ? "" : ", uploaded at " + batch.uploaded_at) +
                     ": the platform has it, and sending it again would send its leases twice. "
                     "resend does not act on it";
  plan.allowed = false;
  return plan;
}

// Says when the running or stopped service acts on the change.
std::string whenServiceActs(const config::Config& config, store::ResendAction action) {
  bool running = isStateFolderLocked(config.state_dir);
  if (action == store::ResendAction::kLeasesRequeued) {
    return running ? "the running service puts them in the next scheduled batch"
                   : "the service puts them in a batch at its next scheduled run once it is "
                     "started";
  }
  return running ? "the running service uploads it at its next check, within a second"
                 : "the service is stopped: it uploads it as soon as it starts";
}

Result<std::optional<store::BatchRow>> findBatch(store::Store& store, const std::string& name) {
  auto batch = store.batchByName(name);
  if (!batch || *batch || toLowerAscii(name).ends_with(".csv")) {
    return batch;
  }
  return store.batchByName(name + ".CSV");
}

}  // namespace

int resendBatch(const config::Config& config, const ResendRequest& request, std::istream& in,
                std::ostream& out, std::ostream& err) {
  auto store = store::Store::open(config.databasePath());
  if (!store) {
    err << "alur-relay: " << store.message() << "\n";
    return 1;
  }
  auto batch = findBatch(**store, request.batch_name);
  if (!batch) {
    err << "alur-relay: " << batch.message() << "\n";
    return 1;
  }
  if (!*batch) {
    err << "alur-relay: no batch named " << request.batch_name << " in "
        << config.databasePath().string() << "; alur-relay queue lists the batches that wait\n";
    return 1;
  }
  const store::BatchRow& row = **batch;
  auto plan = planResend(**store, row, config, std::chrono::system_clock::now());
  if (!plan) {
    err << "alur-relay: " << plan.message() << "\n";
    return 1;
  }
  if (!plan->allowed) {
    err << "alur-relay: " << plan->description << ".\n";
    return 1;
  }
  out << plan->description << ".\n";
  if (!plan->actionable) {
    return 0;
  }
  if (!request.assume_yes) {
    if (!request.interactive) {
      err << "alur-relay: standard input is not a terminal, so resend cannot ask for "
             "confirmation; add --yes to resend batch "
          << row.file_name << "\n";
      return kExitUsage;
    }
    out << "Resend batch " << row.file_name << "? [y/N] " << std::flush;
    std::string answer;
    std::getline(in, answer);
    answer = toLowerAscii(trim(answer));
    if (answer != "y" && answer != "yes") {
      out << "Nothing was changed.\n";
      return 0;
    }
  }
  auto done = (*store)->resendBatch(row.id, row.state, row.next_attempt_at,
                                    formatUtc(std::chrono::system_clock::now()));
  if (!done) {
    err << "alur-relay: " << done.message() << "\n";
    return 1;
  }
  out << "Done: " << whenServiceActs(config, *done) << ".\n";
  return 0;
}

}  // namespace alur::service
