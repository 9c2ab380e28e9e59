// Drives schedule::Schedule with a ManualClock in Europe/Paris. The cases: a year minute by
// minute across both DST changes, office-hours windows, and wall clocks set forward and back by
// years. Also the after-import delay on the monotonic clock and the status text of the next
// upload.
#include "schedule/schedule.h"

#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "schedule/paris_time.h"
#include "status/next_upload.h"

namespace alur::schedule {
namespace {

using namespace std::chrono_literals;
using testing::localText;
using testing::SystemTime;
using testing::utc;

config::ScheduleSettings daily(int hour, int minute) {
  config::ScheduleSettings settings;
  settings.mode = "daily";
  settings.daily_hour = hour;
  settings.daily_minute = minute;
  return settings;
}

config::ScheduleSettings every(int minutes, int from_minute, int until_minute) {
  config::ScheduleSettings settings;
  settings.mode = "every";
  settings.every_minutes = minutes;
  settings.window_from_minute = from_minute;
  settings.window_until_minute = until_minute;
  return settings;
}

// Moves `clock` by `step` until it reaches `end`, recording every run that due() returns.
std::vector<Run> simulate(Schedule& schedule, ManualClock& clock, SystemTime end,
                          std::chrono::seconds step = 60s) {
  std::vector<Run> runs;
  while (clock.now() < end) {
    if (auto run = schedule.due()) {
      schedule.recordRun(*run);
      runs.push_back(*run);
    }
    clock.advance(step);
  }
  return runs;
}

std::vector<std::string> localTimes(const std::vector<Run>& runs) {
  std::vector<std::string> times;
  for (const auto& run : runs) {
    times.push_back(localText(run.at));
  }
  return times;
}

int weekdayOf(SystemTime time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm local{};
  localtime_r(&seconds, &local);
  return local.tm_wday;
}

class ScheduleTest : public ::testing::Test {
 protected:
  testing::ParisTime paris_;
  ManualClock clock_;
};

TEST_F(ScheduleTest, DailyRunsOncePerLocalDayForAYear) {
  clock_.setWallClock(utc(2025, 12, 31, 23, 0));  // 2026-01-01 00:00 CET
  Schedule schedule(daily(2, 30), clock_, std::nullopt);
  std::optional<SystemTime> predicted = schedule.nextRun();
  std::map<std::string, std::vector<std::string>> runs_by_day;
  while (clock_.now() < utc(2026, 12, 31, 23, 0)) {
    if (auto run = schedule.due()) {
      ASSERT_TRUE(predicted.has_value());
      EXPECT_EQ(localText(*predicted), localText(run->at)) << "status disagrees with the run";
      EXPECT_FALSE(run->after_clock_set_back);
      schedule.recordRun(*run);
      runs_by_day[run->slot->text().substr(0, 10)].push_back(localText(run->at));
      predicted = schedule.nextRun();
    }
    clock_.advance(1min);
  }
  EXPECT_EQ(runs_by_day.size(), 365u);
  for (const auto& [day, runs] : runs_by_day) {
    ASSERT_EQ(runs.size(), 1u) << day;
    if (day != "2026-03-29") {
      EXPECT_EQ(runs[0].substr(0, 16), day + " 02:30") << day;
    }
  }
  // The spring change skips 02:00 to 03:00: the run comes at the first minute after the gap.
  EXPECT_EQ(runs_by_day["2026-03-29"], std::vector<std::string>{"2026-03-29 03:00 CEST"});
  // The autumn change repeats 02:00 to 03:00: one run, at the first 02:30.
  EXPECT_EQ(runs_by_day["2026-10-25"], std::vector<std::string>{"2026-10-25 02:30 CEST"});
  EXPECT_EQ(runs_by_day["2026-10-26"], std::vector<std::string>{"2026-10-26 02:30 CET"});
}

TEST_F(ScheduleTest, DailyNearChangesRunsOncePerDay) {
  for (auto [hour, minute] : {std::pair{0, 0}, {1, 59}, {2, 0}, {2, 59}, {3, 0}, {23, 59}}) {
    // Six local days each: 2026-03-27 to 2026-04-01, and 2026-10-23 to 2026-10-28.
    for (auto [start, end] : {std::pair{utc(2026, 3, 26, 23, 0), utc(2026, 4, 1, 22, 0)},
                              std::pair{utc(2026, 10, 22, 22, 0), utc(2026, 10, 28, 23, 0)}}) {
      SCOPED_TRACE(std::to_string(hour) + ":" + std::to_string(minute) + " from " +
                   localText(start));
      clock_.setWallClock(start);
      Schedule schedule(daily(hour, minute), clock_, std::nullopt);
      auto runs = simulate(schedule, clock_, end);
      std::set<std::string> days;
      for (const auto& run : runs) {
        days.insert(run.slot->text().substr(0, 10));
      }
      EXPECT_EQ(runs.size(), 6u) << ::testing::PrintToString(localTimes(runs));
      EXPECT_EQ(days.size(), 6u) << ::testing::PrintToString(localTimes(runs));
    }
  }
}

TEST_F(ScheduleTest, EveryRunsInsideWindowAtPeriod) {
  config::ScheduleSettings settings = every(30, 8 * 60, 19 * 60);
  settings.weekdays = {false, true, true, true, true, true, false};
  clock_.setWallClock(utc(2026, 3, 22, 23, 0));  // Monday 2026-03-23 00:00 CET
  Schedule schedule(settings, clock_, std::nullopt);
  auto runs = simulate(schedule, clock_, utc(2026, 4, 5, 22, 0));  // two weeks, DST included
  std::map<std::string, int> runs_by_day;
  for (const auto& run : runs) {
    std::string local = localText(run.at);
    int weekday = weekdayOf(run.at);
    EXPECT_GE(weekday, 1) << local;
    EXPECT_LE(weekday, 5) << local;
    std::string time = local.substr(11, 5);
    EXPECT_GE(time, "08:00") << local;
    EXPECT_LE(time, "18:30") << local;
    EXPECT_TRUE(time.substr(3) == "00" || time.substr(3) == "30") << local;
    EXPECT_EQ(run.slot->text().substr(11, 5), time) << local;
    ++runs_by_day[local.substr(0, 10)];
  }
  EXPECT_EQ(runs_by_day.size(), 10u);
  for (const auto& [day, count] : runs_by_day) {
    EXPECT_EQ(count, 22) << day;  // 08:00, 08:30, ..., 18:30
  }
}

TEST_F(ScheduleTest, EveryAcrossBothChanges) {
  auto runsPerDay = [&](SystemTime start, SystemTime end) {
    clock_.setWallClock(start);
    Schedule schedule(every(30, 0, 23 * 60 + 59), clock_, std::nullopt);
    auto runs = simulate(schedule, clock_, end);
    std::map<std::string, int> counts;
    std::set<std::string> slots;
    for (const auto& run : runs) {
      EXPECT_TRUE(slots.insert(run.slot->text()).second) << "slot ran twice: " << run.slot->text();
      ++counts[run.slot->text().substr(0, 10)];
    }
    return counts;
  };
  auto spring = runsPerDay(utc(2026, 3, 27, 23, 0), utc(2026, 3, 30, 22, 0));
  EXPECT_EQ(spring["2026-03-28"], 48);
  EXPECT_EQ(spring["2026-03-29"], 46);  // 02:00 and 02:30 do not exist
  EXPECT_EQ(spring["2026-03-30"], 48);
  auto autumn = runsPerDay(utc(2026, 10, 23, 22, 0), utc(2026, 10, 26, 23, 0));
  EXPECT_EQ(autumn["2026-10-24"], 48);
  EXPECT_EQ(autumn["2026-10-25"], 48);  // the repeated 02:00 and 02:30 run once
  EXPECT_EQ(autumn["2026-10-26"], 48);
}

TEST_F(ScheduleTest, EveryRunsAtTheSlotMinute) {
  clock_.setWallClock(utc(2026, 5, 4, 5, 59));  // Monday 07:59 CEST
  Schedule schedule(every(45, 8 * 60, 10 * 60), clock_, std::nullopt);
  auto runs = simulate(schedule, clock_, utc(2026, 5, 4, 9, 0), 1s);
  EXPECT_EQ(localTimes(runs),
            (std::vector<std::string>{"2026-05-04 08:00 CEST", "2026-05-04 08:45 CEST",
                                      "2026-05-04 09:30 CEST"}));
  EXPECT_EQ(runs[1].at, utc(2026, 5, 4, 6, 45));
}

TEST_F(ScheduleTest, SetForwardYearsGivesOneCatchUp) {
  clock_.setWallClock(utc(2026, 3, 1, 0, 0));
  Schedule schedule(daily(2, 30), clock_, std::nullopt);
  ASSERT_EQ(simulate(schedule, clock_, utc(2026, 3, 3, 0, 0)).size(), 2u);
  clock_.setWallClock(utc(2031, 6, 1, 8, 0));  // 10:00 CEST
  auto runs = simulate(schedule, clock_, utc(2031, 6, 2, 8, 0));
  EXPECT_EQ(localTimes(runs),
            (std::vector<std::string>{"2031-06-01 10:00 CEST", "2031-06-02 02:30 CEST"}));
}

TEST_F(ScheduleTest, SetBackYearsRunsOnceThenFollowsSchedule) {
  clock_.setWallClock(utc(2031, 6, 1, 0, 0));
  Schedule schedule(daily(2, 30), clock_, std::nullopt);
  ASSERT_EQ(simulate(schedule, clock_, utc(2031, 6, 1, 6, 0)).size(), 1u);
  clock_.setWallClock(utc(2026, 3, 10, 9, 0));  // 10:00 CET, five years earlier
  auto runs = simulate(schedule, clock_, utc(2026, 3, 13, 0, 0));
  ASSERT_EQ(localTimes(runs),
            (std::vector<std::string>{"2026-03-10 10:00 CET", "2026-03-11 02:30 CET",
                                      "2026-03-12 02:30 CET"}));
  EXPECT_TRUE(runs[0].after_clock_set_back);
  EXPECT_FALSE(runs[1].after_clock_set_back);
}

TEST_F(ScheduleTest, SetBackBeforeSlotRunsAtSlot) {
  LastRun future{*Slot::parse("2031-06-01T02:30"), utc(2031, 6, 1, 0, 30)};
  clock_.setWallClock(utc(2026, 3, 9, 23, 0));  // 2026-03-10 00:00 CET
  Schedule schedule(daily(2, 30), clock_, future);
  auto runs = simulate(schedule, clock_, utc(2026, 3, 11, 23, 0));
  ASSERT_EQ(localTimes(runs),
            (std::vector<std::string>{"2026-03-10 02:30 CET", "2026-03-11 02:30 CET"}));
  EXPECT_TRUE(runs[0].after_clock_set_back);
}

TEST_F(ScheduleTest, SmallSetBackGivesNoExtraRun) {
  clock_.setWallClock(utc(2026, 5, 4, 7, 59));  // 09:59 CEST
  LastRun previous{*Slot::parse("2026-05-04T09:30"), utc(2026, 5, 4, 7, 30)};
  Schedule schedule(every(30, 8 * 60, 19 * 60), clock_, previous);
  auto runs = simulate(schedule, clock_, utc(2026, 5, 4, 8, 0, 30), 1s);
  ASSERT_EQ(localTimes(runs), std::vector<std::string>{"2026-05-04 10:00 CEST"});
  clock_.setWallClock(clock_.now() - 2min);  // an NTP step back to 09:58:30
  runs = simulate(schedule, clock_, utc(2026, 5, 4, 8, 31), 1s);
  EXPECT_EQ(localTimes(runs), std::vector<std::string>{"2026-05-04 10:30 CEST"});
}

TEST_F(ScheduleTest, RunsOnlyOnEnabledDays) {
  config::ScheduleSettings settings = daily(2, 30);
  settings.weekdays = {false, false, false, true, false, false, false};  // Wednesday
  clock_.setWallClock(utc(2026, 5, 3, 22, 0));  // Monday 2026-05-04 00:00 CEST
  Schedule schedule(settings, clock_, std::nullopt);
  EXPECT_EQ(localText(*schedule.nextRun()), "2026-05-06 02:30 CEST");
  auto runs = simulate(schedule, clock_, utc(2026, 5, 17, 22, 0));
  EXPECT_EQ(localTimes(runs),
            (std::vector<std::string>{"2026-05-06 02:30 CEST", "2026-05-13 02:30 CEST"}));
}

TEST_F(ScheduleTest, AfterImportUsesMonotonicClock) {
  config::ScheduleSettings settings;
  settings.mode = "after-import";
  settings.delay_seconds = 300;
  clock_.setWallClock(utc(2026, 5, 4, 8, 0));
  Schedule schedule(settings, clock_, std::nullopt);
  clock_.advance(299s);
  clock_.setWallClock(clock_.now() + 5 * 365 * 24h);  // a wall clock set forward years
  EXPECT_FALSE(schedule.due().has_value());
  clock_.advance(1s);
  auto started = schedule.due();  // the start counts as an import
  ASSERT_TRUE(started.has_value());
  EXPECT_FALSE(started->slot.has_value());
  schedule.recordRun(*started);
  EXPECT_FALSE(schedule.due().has_value());
  EXPECT_FALSE(schedule.nextRun().has_value());

  schedule.noteImport();
  clock_.setWallClock(utc(2020, 1, 1, 0, 0));  // and set back years
  clock_.advance(100s);
  EXPECT_EQ(*schedule.nextRun(), clock_.now() + 200s);
  clock_.advance(199s);
  EXPECT_FALSE(schedule.due().has_value());
  clock_.advance(1s);
  EXPECT_TRUE(schedule.due().has_value());
}

TEST_F(ScheduleTest, WaitingLeasesNeverPostponeAnImport) {
  config::ScheduleSettings settings;
  settings.mode = "after-import";
  settings.delay_seconds = 300;
  Schedule schedule(settings, clock_, std::nullopt);
  clock_.advance(300s);
  schedule.recordRun(*schedule.due());
  ASSERT_FALSE(schedule.nextRun().has_value());

  // Leases put back in the queue start the delay as an import does.
  schedule.noteWaitingLeases();
  EXPECT_EQ(*schedule.nextRun(), clock_.now() + 300s);

  // Seen again while the delay runs, they leave it as it is.
  clock_.advance(200s);
  schedule.noteWaitingLeases();
  EXPECT_EQ(*schedule.nextRun(), clock_.now() + 100s);
  clock_.advance(100s);
  auto run = schedule.due();
  ASSERT_TRUE(run.has_value());
  schedule.recordRun(*run);
  EXPECT_FALSE(schedule.due().has_value());
}

TEST_F(ScheduleTest, LastRunTextRoundTrips) {
  LastRun run{*Slot::parse("2026-03-29T02:30"), utc(2026, 3, 29, 1, 0, 4)};
  EXPECT_EQ(run.text(), "2026-03-29T02:30 2026-03-29T01:00:04Z");
  auto parsed = LastRun::parse(run.text());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->slot, run.slot);
  EXPECT_EQ(parsed->at, run.at);
  for (const char* bad : {"", "2026-03-29T02:30", "2026-03-29T24:30 2026-03-29T01:00:04Z",
                          "2026-03-29T02:30 yesterday", "2026-13-29T02:30 2026-03-29T01:00:04Z"}) {
    EXPECT_FALSE(LastRun::parse(bad).has_value()) << bad;
  }
}

TEST_F(ScheduleTest, DescribesSettings) {
  EXPECT_EQ(describe(daily(2, 30)), "daily at 02:30 local time");
  config::ScheduleSettings office = every(30, 8 * 60, 19 * 60);
  office.weekdays = {false, true, true, true, true, true, false};
  EXPECT_EQ(describe(office), "every 30 minutes from 08:00 until 19:00 local time, on mon-fri");
  office.weekdays = {true, true, false, true, false, false, false};
  EXPECT_EQ(describe(office), "every 30 minutes from 08:00 until 19:00 local time, on mon,wed,sun");
}

class NextUploadTest : public ::testing::Test {
 protected:
  testing::ParisTime paris_;
  config::Config config_;
};

TEST_F(NextUploadTest, DailyAfterSpringGap) {
  LastRun today{*Slot::parse("2026-03-28T02:30"), utc(2026, 3, 28, 1, 30)};
  EXPECT_EQ(status::nextUploadText(config_, {}, today, utc(2026, 3, 28, 12, 0)),
            "2026-03-29 03:00 local time (daily at 02:30 local time), if leases are pending");
}

TEST_F(NextUploadTest, DailyInRepeatedHour) {
  // 02:00 CET, the second pass of the hour, after the run at the first 02:30.
  LastRun first{*Slot::parse("2026-10-25T02:30"), utc(2026, 10, 25, 0, 30)};
  EXPECT_EQ(status::nextUploadText(config_, {}, first, utc(2026, 10, 25, 1, 0)),
            "2026-10-26 02:30 local time (daily at 02:30 local time), if leases are pending");
}

TEST_F(NextUploadTest, DueNowWhenSlotNotRun) {
  LastRun yesterday{*Slot::parse("2026-05-03T02:30"), utc(2026, 5, 3, 0, 30)};
  std::string text = status::nextUploadText(config_, {}, yesterday, utc(2026, 5, 4, 9, 0));
  EXPECT_EQ(text.rfind("due now", 0), 0u) << text;
}

TEST_F(NextUploadTest, EveryOnMondayAfterFridayWindow) {
  config_.schedule = every(30, 8 * 60, 19 * 60);
  config_.schedule.weekdays = {false, true, true, true, true, true, false};
  LastRun friday{*Slot::parse("2026-05-08T18:30"), utc(2026, 5, 8, 16, 30)};
  EXPECT_EQ(status::nextUploadText(config_, {}, friday, utc(2026, 5, 8, 17, 30)),
            "2026-05-11 08:00 local time (every 30 minutes from 08:00 until 19:00 local time, on "
            "mon-fri), if leases are pending");
}

TEST_F(NextUploadTest, RetryFarAheadShownClamped) {
  store::BatchRow batch;
  batch.file_name = "2026_AGENCE_001.CSV";
  batch.state = "uploading";
  batch.next_attempt_at = "2031-06-01T00:00:00Z";
  SystemTime now = utc(2026, 5, 4, 9, 0);
  EXPECT_EQ(status::nextUploadText(config_, {batch}, std::nullopt, now),
            "2026_AGENCE_001.CSV at 2026-05-04T10:00:00Z (retry)");
  batch.next_attempt_at = "2026-05-04T09:20:00Z";
  EXPECT_EQ(status::nextUploadText(config_, {batch}, std::nullopt, now),
            "2026_AGENCE_001.CSV at 2026-05-04T09:20:00Z (retry)");
  batch.next_attempt_at = "2026-05-04T08:59:00Z";
  EXPECT_EQ(status::nextUploadText(config_, {batch}, std::nullopt, now),
            "2026_AGENCE_001.CSV at the next check (within a second while the service runs)");
}

TEST_F(NextUploadTest, AgreesWithRunsAcrossTheYear) {
  config_.schedule = every(90, 6 * 60 + 15, 21 * 60);
  config_.schedule.weekdays = {true, false, true, false, true, false, true};
  ManualClock clock(utc(2026, 1, 1, 0, 0));
  Schedule schedule(config_.schedule, clock, std::nullopt);
  int checked = 0;
  while (clock.now() < utc(2027, 1, 1, 0, 0)) {
    std::string shown = status::nextUploadText(config_, {}, schedule.lastRun(), clock.now());
    auto predicted = schedule.nextRun();
    ASSERT_TRUE(predicted.has_value());
    if (*predicted == clock.now()) {
      EXPECT_EQ(shown.rfind("due now", 0), 0u) << shown;
    } else {
      EXPECT_EQ(shown.rfind(status::formatLocalMinute(*predicted) + " local time", 0), 0u) << shown;
    }
    while (!schedule.due()) {
      clock.advance(1min);
    }
    auto run = schedule.due();
    EXPECT_EQ(localText(run->at), localText(*predicted)) << shown;
    schedule.recordRun(*run);
    clock.advance(std::chrono::minutes(37 + checked % 1000));
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

}  // namespace
}  // namespace alur::schedule
