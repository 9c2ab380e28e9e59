// When the service builds a batch. Pure logic: the run loop calls due() at each tick and passes
// each run it made to recordRun(). Nothing here sleeps, and time comes from a Clock.
//
// The calendar modes ("daily", "every") work in local time: the TZ environment variable, else
// /etc/localtime. Each run belongs to a slot, the local date and the minute of the day that the
// run stands for: 02:30 for "daily at 02:30", 08:00, 08:30, ... for "every 30 minutes from 08:00
// until 19:00". A slot is open from its minute until the next slot starts (daily: until local
// midnight; every: until the next period or the end of the window). A run is due when a slot is
// open and that slot has not run:
//
//   open slot later than the last run's slot ─────────────► due
//   open slot equal to the last run's slot ───────────────► not due
//   open slot earlier than the last run's slot, and
//     the last run's wall-clock time is in the past ───────► not due: the local time repeated
//                                                            (the autumn change repeats 02:00
//                                                            to 03:00) or the zone changed
//     the last run's wall-clock time is more than
//     kClockSetBackTolerance in the future ───────────────► due once: the clock was set back
//                                                            (after a fix, possibly by years),
//                                                            and the run records the new slot
//
// So the spring change, which skips 02:00 to 03:00, runs "daily at 02:30" at 03:00, the first
// local minute after the gap; the autumn change runs it once, at the first 02:30. A clock set
// forward, or a service stopped for days, gives one catch-up run, not one per missed slot.
//
// "after-import" works on the monotonic clock: a run is due delay_seconds after the last import,
// and once delay_seconds after the schedule is created, so that leases imported before a
// restart do not wait for the next export.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "config/config.h"

namespace alur::schedule {

// A wall clock set back by less than this is taken as a small correction (NTP), which gives no
// catch-up run.
constexpr std::chrono::minutes kClockSetBackTolerance{5};

// A local date and a minute of that day (0 to 1439). Slots compare in calendar order.
struct Slot {
  int year = 0;
  int month = 0;
  int day = 0;
  int minute = 0;

  auto operator<=>(const Slot&) const = default;

  // Formats as "2026-03-29T02:30", local time without a zone.
  std::string text() const;
  static std::optional<Slot> parse(const std::string& text);
};

// The last run of a calendar mode: the slot it stood for and the wall-clock time it started.
struct LastRun {
  Slot slot;
  std::chrono::system_clock::time_point at;

  // Formats as "2026-03-29T02:30 2026-03-29T01:00:04Z", the form kept in the database.
  std::string text() const;
  static std::optional<LastRun> parse(const std::string& text);
};

// A run that Schedule::due found. Pass it back to recordRun once the run is done.
struct Run {
  std::optional<Slot> slot;  // none in after-import mode
  std::chrono::system_clock::time_point at;
  bool after_clock_set_back = false;  // the last run's time was in the future
};

class Schedule {
 public:
  // `last_run` is the run recorded before a restart, if any. `clock` must outlive the schedule.
  Schedule(const config::ScheduleSettings& settings, const Clock& clock,
           std::optional<LastRun> last_run);

  // Returns the run due at the clock's current time, or std::nullopt.
  std::optional<Run> due() const;

  // Records a run that due() returned, once the batch was built or nothing was pending. A run
  // that failed is not recorded, so due() returns it again at the next tick.
  void recordRun(const Run& run);

  // Notes that an export brought leases (after-import mode; ignored by the calendar modes).
  void noteImport();

  // Notes that leases wait without an import, as after `alur-relay resend` put them back in the
  // queue. In after-import mode this starts the delay, unless an import already waits.
  void noteWaitingLeases();

  // Returns the earliest wall-clock time, from now on, at which due() returns a run if nothing
  // is recorded meanwhile, so now when a run is due. Calendar modes search minute by minute up
  // to eight days ahead. Returns std::nullopt when no day of the next week is enabled, and in
  // after-import mode when no import is waiting for its delay.
  std::optional<std::chrono::system_clock::time_point> nextRun() const;

  const std::optional<LastRun>& lastRun() const { return last_run_; }

  // Returns the slot open at `time`, if any (calendar modes).
  std::optional<Slot> openSlot(std::chrono::system_clock::time_point time) const;

 private:
  std::optional<Run> dueAt(std::chrono::system_clock::time_point time) const;

  config::ScheduleSettings settings_;
  const Clock& clock_;
  std::optional<LastRun> last_run_;
  bool import_waiting_ = true;  // the start counts as an import
  std::chrono::steady_clock::time_point last_import_;
};

// Describes the schedule in a few words, e.g. "daily at 02:30 local time, on mon-fri".
std::string describe(const config::ScheduleSettings& settings);

}  // namespace alur::schedule
