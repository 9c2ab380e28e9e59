// Upload retries on a real SQLite database: the monotonic deadline decides while the process
// runs, the stored wall-clock time after a restart, and a stored time beyond the maximum
// backoff is clamped.
#include "schedule/upload_retry.h"

#include <gtest/gtest.h>

#include "schedule/paris_time.h"
#include "status/store_fill.h"
#include "support/process.h"

namespace alur::schedule {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::utc;

class UploadRetriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-retry-");
    ASSERT_FALSE(folder_.empty());
    auto opened = store::Store::open(folder_ / "alur-relay.db");
    ASSERT_TRUE(opened.ok()) << opened.message();
    store_ = std::move(*opened);
    testing::importLeases(*store_, {{"A", lease::Classification::kValid}}, {}, "/exports/a.csv");
    auto built = testing::buildFillBatch(*store_, 0);
    ASSERT_TRUE(built.has_value());
    batch_ = *built;
    clock_.setWallClock(utc(2026, 5, 4, 9, 0));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(folder_);
  }

  // Records a transient failure of the batch whose next attempt is `next_utc`.
  void fail(const std::string& next_utc) {
    ASSERT_TRUE(store_->markUploading(batch_.id, formatUtc(clock_.now())).ok());
    ASSERT_TRUE(store_
                    ->recordUploadFailure(batch_.id, false, "connection refused",
                                          formatUtc(clock_.now()), next_utc)
                    .ok());
  }

  bool isDue(UploadRetries& retries) {
    auto due = retries.dueBatches(*store_);
    EXPECT_TRUE(due.ok()) << due.message();
    return due.ok() && due->size() == 1 && (*due)[0].id == batch_.id;
  }

  std::string storedNextAttempt() {
    auto row = store_->batchByName(batch_.file_name);
    EXPECT_TRUE(row.ok()) << row.message();
    if (row.ok()) {
      EXPECT_TRUE(row->has_value()) << batch_.file_name;
    }
    return row.ok() && row->has_value() ? (*row)->next_attempt_at : "";
  }

  fs::path folder_;
  std::unique_ptr<store::Store> store_;
  store::BatchRow batch_;
  ManualClock clock_;
};

TEST_F(UploadRetriesTest, BuiltBatchDueAtOnce) {
  UploadRetries retries(clock_, 3600s);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, MonotonicDeadlineDecidesWhileRunning) {
  UploadRetries retries(clock_, 3600s);
  fail(retries.scheduleRetry(batch_.id, 600s));
  EXPECT_EQ(storedNextAttempt(), "2026-05-04T09:10:00Z");
  EXPECT_FALSE(isDue(retries));
  clock_.setWallClock(utc(2027, 5, 4, 9, 0));  // set forward a year
  EXPECT_FALSE(isDue(retries));
  clock_.advance(599s);
  EXPECT_FALSE(isDue(retries));
  clock_.advance(1s);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, WallClockSetBackDoesNotDelay) {
  UploadRetries retries(clock_, 3600s);
  fail(retries.scheduleRetry(batch_.id, 600s));
  clock_.setWallClock(utc(2024, 5, 4, 9, 0));  // set back two years
  clock_.advance(600s);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, RestartUsesStoredTime) {
  {
    UploadRetries before_restart(clock_, 3600s);
    fail(before_restart.scheduleRetry(batch_.id, 600s));
  }
  UploadRetries retries(clock_, 3600s);
  clock_.advance(599s);
  EXPECT_FALSE(isDue(retries));
  clock_.advance(1s);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, StoredTimeBeyondMaxBackoffClamped) {
  fail("2031-06-01T00:00:00Z");  // written before the wall clock was set back five years
  UploadRetries retries(clock_, 3600s);
  EXPECT_FALSE(isDue(retries));
  EXPECT_EQ(storedNextAttempt(), "2026-05-04T10:00:00Z");
  clock_.advance(3599s);
  EXPECT_FALSE(isDue(retries));
  EXPECT_EQ(storedNextAttempt(), "2026-05-04T10:00:00Z");
  clock_.advance(1s);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, ResendMakesRetryDueAtOnce) {
  UploadRetries retries(clock_, 3600s);
  std::string next = retries.scheduleRetry(batch_.id, 3000s);
  fail(next);
  EXPECT_FALSE(isDue(retries));
  auto resent = store_->resendBatch(batch_.id, "uploading", next, formatUtc(clock_.now()));
  ASSERT_TRUE(resent.ok()) << resent.message();
  EXPECT_EQ(*resent, store::ResendAction::kRetryNow);
  EXPECT_TRUE(isDue(retries));
}

TEST_F(UploadRetriesTest, EffectiveNextAttempt) {
  auto now = utc(2026, 5, 4, 9, 0);
  EXPECT_EQ(effectiveNextAttempt("", now, 3600s), now);
  EXPECT_EQ(effectiveNextAttempt("garbage", now, 3600s), now);
  EXPECT_EQ(effectiveNextAttempt("2026-05-04T09:30:00Z", now, 3600s), utc(2026, 5, 4, 9, 30));
  EXPECT_EQ(effectiveNextAttempt("2031-05-04T09:30:00Z", now, 3600s), utc(2026, 5, 4, 10, 0));
  EXPECT_EQ(effectiveNextAttempt("2020-05-04T09:30:00Z", now, 3600s), utc(2020, 5, 4, 9, 30));
}

}  // namespace
}  // namespace alur::schedule
