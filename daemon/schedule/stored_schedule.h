// A Schedule whose last run is kept in the database, so that a restart neither runs a slot twice
// nor misses the slot that opened while the service was stopped.
#pragma once

#include <optional>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "schedule/schedule.h"
#include "store/store.h"

namespace alur::schedule {

// The meta key whose value is LastRun::text() of the last calendar run.
constexpr const char* kLastRunKey = "schedule_last_run";

// Reads the last calendar run from `store`: std::nullopt when none was recorded, an error when
// the stored value cannot be read.
Result<std::optional<LastRun>> loadLastRun(store::Store& store);
Status saveLastRun(store::Store& store, const LastRun& run);

class StoredSchedule {
 public:
  // Reads the last run from `store`. A value that cannot be read is logged and ignored, so the
  // schedule runs at the next open slot. `clock` and `store` must outlive this object.
  StoredSchedule(const config::ScheduleSettings& settings, const Clock& clock, store::Store& store);

  std::optional<Run> due() const { return schedule_.due(); }

  // Records the run in memory, then in the database. A database error is logged; the run is
  // still kept in memory, so this process does not run the slot again.
  void recordRun(const Run& run);

  void noteImport() { schedule_.noteImport(); }
  void noteWaitingLeases() { schedule_.noteWaitingLeases(); }

  const Schedule& schedule() const { return schedule_; }

 private:
  store::Store& store_;
  Schedule schedule_;
};

}  // namespace alur::schedule
