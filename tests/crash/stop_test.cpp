// Stops the real service while its worker is in the middle of an upload: the first SIGTERM
// waits for the step, and a second one ends the process at once without losing the batch.
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "crash/invariants.h"
#include "crash/relay_harness.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class StopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
    }
    std::string error = relay_.setUp("alur-stop-", {"--report-delay", "1"}, RelaySettings{});
    ASSERT_EQ(error, "");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("work folder kept: %s\n", relay_.work().c_str());
    }
    relay_.tearDown(!HasFailure());
  }

  RelayHarness relay_;
  InvariantChecker checker_{relay_};
};

TEST_F(StopTest, SecondSignalEndsTheDrain) {
  const fs::path export_file = fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv";
  relay_.dropExport(export_file);
  // The worker blocks for good once the file is on the server under its temporary name.
  ASSERT_TRUE(relay_.start("upload-transferred"));
  ASSERT_TRUE(relay_.waitForPause("upload-transferred", seconds(60))) << relay_.logTail();

  ASSERT_EQ(::kill(relay_.pid(), SIGTERM), 0);
  ASSERT_TRUE(waitFor([&] { return relay_.logs().find("stopping signal=15") != std::string::npos; },
                      seconds(10)))
      << relay_.logTail();
  std::this_thread::sleep_for(seconds(2));
  EXPECT_TRUE(relay_.running()) << "the first signal must wait for the worker's step";

  int status = relay_.stop();
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM) << "the second SIGTERM did not end the process";
  for (const auto& violation : checker_.checkAfterCrash()) {
    ADD_FAILURE() << "after the second signal: " << violation;
  }

  // A normal run finishes the upload that was cut, and the batch reaches the server once.
  ASSERT_TRUE(relay_.start());
  ASSERT_TRUE(waitFor(
      [&] {
        return queryText(relay_.database(),
                         "SELECT COUNT(*) FROM batch b WHERE state = 'certified' AND (SELECT "
                         "COUNT(*) FROM receipt r WHERE r.batch_id = b.id) = 3") == "1";
      },
      seconds(90)))
      << relay_.logTail();
  relay_.kill();
  for (const auto& violation : checker_.checkDelivered(expectedStates({export_file}))) {
    ADD_FAILURE() << "after the restart: " << violation;
  }
}

}  // namespace
}  // namespace alur::testing
