// Restarts: each StoredSchedule reads the last run from a real SQLite database, as a new
// service process does, in Europe/Paris.
#include "schedule/stored_schedule.h"

#include <gtest/gtest.h>

#include "schedule/paris_time.h"
#include "support/process.h"

namespace alur::schedule {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::localText;
using testing::SystemTime;
using testing::utc;

class StoredScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-schedule-");
    ASSERT_FALSE(folder_.empty());
    settings_.mode = "daily";
    settings_.daily_hour = 2;
    settings_.daily_minute = 30;
    reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(folder_);
  }

  // Closes and opens the database again, as a restart of the service does.
  void reopen() {
    store_.reset();
    auto opened = store::Store::open(folder_ / "alur-relay.db");
    ASSERT_TRUE(opened.ok()) << opened.message();
    store_ = std::move(*opened);
  }

  // Runs a service's schedule minute by minute until `end` and returns the local times of
  // its runs.
  std::vector<std::string> runUntil(StoredSchedule& schedule, SystemTime end) {
    std::vector<std::string> runs;
    while (clock_.now() < end) {
      if (auto run = schedule.due()) {
        schedule.recordRun(*run);
        runs.push_back(localText(run->at));
      }
      clock_.advance(1min);
    }
    return runs;
  }

  std::string storedText() {
    auto text = store_->getMeta(kLastRunKey);
    EXPECT_TRUE(text.ok()) << text.message();
    return text.value_or("");
  }

  testing::ParisTime paris_;
  fs::path folder_;
  std::unique_ptr<store::Store> store_;
  config::ScheduleSettings settings_;
  ManualClock clock_;
};

TEST_F(StoredScheduleTest, RestartDoesNotRunTwice) {
  clock_.setWallClock(utc(2026, 3, 29, 0, 50));
  {
    StoredSchedule first(settings_, clock_, *store_);
    EXPECT_EQ(runUntil(first, utc(2026, 3, 29, 1, 10)),
              std::vector<std::string>{"2026-03-29 03:00 CEST"});
  }
  EXPECT_EQ(storedText(), "2026-03-29T02:30 2026-03-29T01:00:00Z");
  reopen();
  StoredSchedule second(settings_, clock_, *store_);
  EXPECT_TRUE(runUntil(second, utc(2026, 3, 29, 22, 0)).empty());
  EXPECT_EQ(runUntil(second, utc(2026, 3, 31, 0, 0)),
            std::vector<std::string>{"2026-03-30 02:30 CEST"});
}

TEST_F(StoredScheduleTest, RestartInRepeatedHourDoesNotRunTwice) {
  clock_.setWallClock(utc(2026, 10, 25, 0, 20));  // 02:20 CEST
  {
    StoredSchedule first(settings_, clock_, *store_);
    EXPECT_EQ(runUntil(first, utc(2026, 10, 25, 0, 40)),
              std::vector<std::string>{"2026-10-25 02:30 CEST"});
  }
  reopen();
  clock_.setWallClock(utc(2026, 10, 25, 1, 20));  // 02:20 CET, the hour again
  StoredSchedule second(settings_, clock_, *store_);
  EXPECT_TRUE(runUntil(second, utc(2026, 10, 25, 22, 0)).empty());
}

TEST_F(StoredScheduleTest, RestartAfterMissedSlotRunsOnce) {
  clock_.setWallClock(utc(2026, 3, 10, 1, 0));
  {
    StoredSchedule first(settings_, clock_, *store_);
    ASSERT_EQ(runUntil(first, utc(2026, 3, 10, 2, 0)).size(), 1u);
  }
  reopen();
  clock_.setWallClock(utc(2026, 3, 12, 8, 0));  // stopped for two days
  StoredSchedule second(settings_, clock_, *store_);
  EXPECT_EQ(runUntil(second, utc(2026, 3, 13, 8, 0)),
            (std::vector<std::string>{"2026-03-12 09:00 CET", "2026-03-13 02:30 CET"}));
}

TEST_F(StoredScheduleTest, LastRunInFutureRunsOnce) {
  ASSERT_TRUE(store_->setMeta(kLastRunKey, "2031-06-01T02:30 2031-06-01T00:30:00Z").ok());
  clock_.setWallClock(utc(2026, 3, 10, 8, 0));
  {
    StoredSchedule after_fix(settings_, clock_, *store_);
    auto run = after_fix.due();
    ASSERT_TRUE(run.has_value());
    EXPECT_TRUE(run->after_clock_set_back);
    after_fix.recordRun(*run);
  }
  EXPECT_EQ(storedText(), "2026-03-10T02:30 2026-03-10T08:00:00Z");
  reopen();
  StoredSchedule next_start(settings_, clock_, *store_);
  EXPECT_EQ(runUntil(next_start, utc(2026, 3, 12, 0, 0)),
            std::vector<std::string>{"2026-03-11 02:30 CET"});
}

TEST_F(StoredScheduleTest, UnreadableLastRunIgnored) {
  ASSERT_TRUE(store_->setMeta(kLastRunKey, "yesterday").ok());
  auto loaded = loadLastRun(*store_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("schedule_last_run"), std::string::npos) << loaded.message();
  EXPECT_NE(loaded.message().find("\"yesterday\""), std::string::npos) << loaded.message();
  clock_.setWallClock(utc(2026, 3, 10, 8, 0));
  StoredSchedule schedule(settings_, clock_, *store_);
  EXPECT_TRUE(schedule.due().has_value());
}

TEST_F(StoredScheduleTest, NothingStoredRunsAtNextSlot) {
  auto loaded = loadLastRun(*store_);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_FALSE(loaded->has_value());
  clock_.setWallClock(utc(2026, 3, 10, 0, 0));
  StoredSchedule schedule(settings_, clock_, *store_);
  EXPECT_EQ(runUntil(schedule, utc(2026, 3, 11, 0, 0)),
            std::vector<std::string>{"2026-03-10 02:30 CET"});
}

}  // namespace
}  // namespace alur::schedule
