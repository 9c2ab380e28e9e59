#include "schedule/stored_schedule.h"

#include "common/log.h"

namespace alur::schedule {
namespace {

std::optional<LastRun> loadOrLog(store::Store& store) {
  auto last = loadLastRun(store);
  if (!last) {
    logger("schedule")
        ->warn("error=\"{}\" action=\"the schedule runs at the next open slot\"", last.message());
    return std::nullopt;
  }
  return *last;
}

}  // namespace

Result<std::optional<LastRun>> loadLastRun(store::Store& store) {
  auto text = store.getMeta(kLastRunKey);
  if (!text) {
    return text.status();
  }
  if (text->empty()) {
    return std::optional<LastRun>();
  }
  auto last = LastRun::parse(*text);
  if (!last) {
    return Status::Error(std::string("the last scheduled run in the database (meta key ") +
                         kLastRunKey + ") is unreadable: \"" + *text + "\"");
  }
  return std::optional<LastRun>(*last);
}

Status saveLastRun(store::Store& store, const LastRun& run) {
  return store.setMeta(kLastRunKey, run.text());
}

StoredSchedule::StoredSchedule(const config::ScheduleSettings& settings, const Clock& clock,
                               store::Store& store)
    : store_(store), schedule_(settings, clock, loadOrLog(store)) {}

void StoredSchedule::recordRun(const Run& run) {
  auto log = logger("schedule");
  std::optional<LastRun> before = schedule_.lastRun();
  schedule_.recordRun(run);
  if (!run.slot) {
    return;
  }
  if (run.after_clock_set_back && before) {
    log->warn(
        "ran slot={} at={} although the last run, slot={} at={}, is later: the wall clock "
        "was set back; the schedule continues from this run",
        run.slot->text(), formatUtc(run.at), before->slot.text(), formatUtc(before->at));
  } else {
    log->info("ran slot={} at={}", run.slot->text(), formatUtc(run.at));
  }
  if (Status saved = saveLastRun(store_, *schedule_.lastRun()); !saved) {
    log->warn("error=\"{}\" action=\"a restart may run slot {} again\"", saved.message(),
              run.slot->text());
  }
}

}  // namespace alur::schedule
