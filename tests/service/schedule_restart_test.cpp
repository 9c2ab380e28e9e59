// Runs the real service in mode daily with a slot already open, restarts it, and checks through
// the database and the log that the slot ran once across the restart.
#include <chrono>
#include <ctime>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "store/store.h"
#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int countOf(const std::string& text, const std::string& part) {
  int count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string localDate() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

class ScheduleRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = makeTempFolder("alur-schedule-restart-");
    ASSERT_FALSE(work_.empty());
    fs::create_directories(work_ / "exports");
    // time = 00:00: today's slot is open whenever the test runs.
    std::ofstream(work_ / "alur-relay.conf")
        << "[service]\nstate_dir = " << (work_ / "state").string() << "\n"
        << "[export]\nfolder = " << (work_ / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nport = 1\nuser = agence\npassword = secret\n"
        << "[schedule]\nmode = daily\ntime = 00:00\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n"
        << "[status]\nport = 0\n";
  }

  void TearDown() override {
    service_.stop(SIGTERM, 20s);
    fs::remove_all(work_);
  }

  void start() {
    ASSERT_TRUE(service_.start({std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay", "run",
                                "--config", (work_ / "alur-relay.conf").string()},
                               work_ / "console.log"));
  }

  std::string lastRun() {
    auto store = store::Store::openReadOnly(work_ / "state" / "alur-relay.db");
    if (!store.ok()) {
      return "";
    }
    return (*store)->getMeta("schedule_last_run").value_or("");
  }

  fs::path work_;
  ChildProcess service_;
};

TEST_F(ScheduleRestartTest, SlotRunsOnceAcrossRestart) {
  std::string today = localDate();
  start();
  ASSERT_TRUE(waitFor([&] { return !lastRun().empty(); }, 30s))
      << readFileBytes(work_ / "console.log");
  std::string first = lastRun();
  EXPECT_EQ(first.substr(0, 17), today + "T00:00 ");
  ASSERT_GE(service_.stop(SIGTERM, 20s), 0);

  start();
  ASSERT_TRUE(
      waitFor([&] { return countOf(readFileBytes(work_ / "console.log"), "] ready") == 2; }, 30s));
  // The worker ticks every second; three ticks without a second run show the slot stays done.
  bool ran_again = waitFor([&] { return lastRun() != first; }, 3s);
  if (localDate() != today) {
    GTEST_SKIP() << "the local date changed during the test, which opens a new slot";
  }
  EXPECT_FALSE(ran_again) << lastRun();
  EXPECT_EQ(countOf(readFileBytes(work_ / "console.log"), "[schedule] ran slot="), 1)
      << readFileBytes(work_ / "console.log");
}

}  // namespace
}  // namespace alur::testing
