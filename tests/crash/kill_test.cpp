// Kills the real service with SIGKILL at every step of the path of a lease (import, batch,
// upload, rename, receipts) and at random moments, and restarts it each time. After every kill
// the test checks that nothing was lost, corrupted or sent twice. At the end it checks that every
// lease reached the platform once.
//
// Environment: ALUR_KILL_COUNT=N keeps going with more rounds until N kills (scripts/kill_loop.sh
// uses it); ALUR_KILL_SEED=S repeats the random delays of an earlier run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <unistd.h>

#include "crash/invariants.h"
#include "crash/relay_harness.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// The points of common/test_pause.h, in the order one export reaches them.
const std::vector<std::string> kPausePoints = {
    "import-stored",       // leases written, import transaction not committed
    "import-committed",    // the export is recorded as consumed, no batch yet
    "batch-committed",     // batch row and lines committed, outbox file not written
    "upload-started",      // batch marked uploading, no byte sent
    "upload-transferred",  // temporary file complete on the server, not renamed
    "upload-renamed",      // final name on the server, upload not recorded
    "upload-recorded",     // upload recorded, local file still in the outbox
    "receipt-downloaded",  // acknowledgement downloaded, not applied
    "receipt-applied",     // acknowledgement applied, receipt not recorded
};

constexpr int kRowsPerExport = 60;
constexpr int kRandomKillsPerRound = 6;
constexpr milliseconds kLongestRandomDelay{3000};

int environmentNumber(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
    }
    std::string error = relay_.setUp("alur-kill-", {"--report-delay", "1"}, RelaySettings{});
    ASSERT_EQ(error, "");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("work folder kept: %s\n", relay_.work().c_str());
    }
    relay_.tearDown(!HasFailure());
  }

  // Kills the service, which must still be running, and checks every invariant.
  bool killAndCheck(const std::string& where) {
    ++kills_;
    if (!relay_.running()) {
      ADD_FAILURE() << "the service exited by itself before kill " << kills_ << " (" << where
                    << ")\n"
                    << relay_.logTail();
      return false;
    }
    relay_.kill();
    std::vector<std::string> violations = checker_.checkAfterCrash();
    for (const auto& violation : violations) {
      ADD_FAILURE() << "after kill " << kills_ << " (" << where << "): " << violation;
    }
    if (!violations.empty()) {
      std::printf("%s\n", relay_.logTail().c_str());
    }
    return violations.empty();
  }

  // Kills the service once at each pause point, in the order the export reaches them.
  bool killAtEveryPoint() {
    for (const auto& point : kPausePoints) {
      if (!relay_.start(point)) {
        ADD_FAILURE() << "cannot start the service";
        return false;
      }
      if (!relay_.waitForPause(point, std::chrono::seconds(30))) {
        ADD_FAILURE() << "the service did not reach " << point << " within 30 s\n"
                      << relay_.logTail();
        return false;
      }
      if (!killAndCheck("paused at " + point)) {
        return false;
      }
    }
    return true;
  }

  bool killAtRandom(int count) {
    std::uniform_int_distribution<int> delays(0, static_cast<int>(kLongestRandomDelay.count()));
    for (int i = 0; i < count; ++i) {
      if (!relay_.start()) {
        ADD_FAILURE() << "cannot start the service";
        return false;
      }
      int delay = delays(random_);
      std::this_thread::sleep_for(milliseconds(delay));
      if (!killAndCheck(std::to_string(delay) + " ms after the start")) {
        return false;
      }
    }
    return true;
  }

  // Runs the service until the export was imported and everything was certified, then kills it.
  bool deliverAndKill(const fs::path& export_file) {
    const std::string hash = sha256OfFile(export_file);
    const fs::path db = relay_.database();
    if (!relay_.start()) {
      ADD_FAILURE() << "cannot start the service";
      return false;
    }
    bool delivered = waitFor(
        [&] {
          return queryText(db, "SELECT sha256 FROM import_file ORDER BY id DESC LIMIT 1") == hash &&
                 queryText(db,
                           "SELECT COUNT(*) FROM lease WHERE state IN ('pending', 'batched', "
                           "'uploaded', 'acknowledged')") == "0" &&
                 queryText(db, "SELECT COUNT(*) FROM batch WHERE state <> 'certified'") == "0";
        },
        std::chrono::seconds(90));
    if (!delivered) {
      ADD_FAILURE() << "export " << export_file.filename() << " not delivered within 90 s\n"
                    << relay_.logTail();
      return false;
    }
    return killAndCheck("once delivered");
  }

  RelayHarness relay_;
  InvariantChecker checker_{relay_};
  std::mt19937 random_;
  int kills_ = 0;
};

TEST_F(KillTest, KilledAtEveryStepLosesNothing) {
  const int seed = environmentNumber("ALUR_KILL_SEED", static_cast<int>(std::random_device{}()));
  const int requested_kills = environmentNumber("ALUR_KILL_COUNT", 0);
  random_.seed(static_cast<unsigned>(seed));
  std::printf("random seed %d (set ALUR_KILL_SEED=%d to repeat the delays)\n", seed, seed);
  auto started = std::chrono::steady_clock::now();

  // Two rounds kill at each point and two at random moments. With ALUR_KILL_COUNT, more rounds
  // of 1 to 8 random kills follow until that count, and every fifth round kills at each point.
  std::vector<fs::path> dropped;
  std::uniform_int_distribution<int> kills_per_round(1, 8);
  for (int round = 0; round < 4 || kills_ < requested_kills; ++round) {
    fs::path file = relay_.generateExport(round + 1, kRowsPerExport);
    ASSERT_FALSE(file.empty()) << "tests/tools/gen_exports.py failed";
    relay_.dropExport(file);
    dropped.push_back(file);
    bool at_points = round < 4 ? round % 2 == 0 : round % 5 == 0;
    int random_kills = round < 4 ? kRandomKillsPerRound : kills_per_round(random_);
    bool killed = at_points ? killAtEveryPoint() : killAtRandom(random_kills);
    ASSERT_TRUE(killed) << "round " << round + 1 << ", seed " << seed;
    ASSERT_TRUE(deliverAndKill(file)) << "round " << round + 1 << ", seed " << seed;
  }

  for (const auto& violation : checker_.checkDelivered(expectedStates(dropped))) {
    ADD_FAILURE() << "at the end: " << violation;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%d kills in %zu rounds, %.1f s (%.2f s per kill)\n", kills_, dropped.size(), seconds,
              seconds / kills_);
  RecordProperty("kills", kills_);
  EXPECT_GE(kills_, 30);
}

}  // namespace
}  // namespace alur::testing
