// Fills the file system of the state folder (database, outbox, log file) while the real service
// imports an export and writes a batch. The service must keep running, log each error once,
// leave the export in place and lose nothing, then deliver everything once space returns.
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <unistd.h>

#include "crash/invariants.h"
#include "crash/relay_harness.h"
#include "crash/small_disk.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

int countOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// Number of log lines of `module` at `level` ("error", "info") that start with `message`.
int countLines(const std::string& text, const std::string& level, const std::string& module,
               const std::string& message = "") {
  return countOccurrences(text, " " + level + " [" + module + "] " + message);
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
    }
    ASSERT_EQ(relay_.setUp("alur-full-", {}, RelaySettings{}), "");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("work folder kept: %s\n", relay_.work().c_str());
    }
    relay_.tearDown(false);
    disk_.unmount();  // before the work folder that contains the mount point is removed
    if (!HasFailure()) {
      relay_.removeWork();
    }
  }

  // Mounts a tmpfs of `megabytes` over `folder`, or skips the test when mounting is not allowed.
  void mountSmallDisk(const fs::path& folder, int megabytes) {
    std::string error = disk_.mount(folder, megabytes);
    if (!error.empty()) {
      GTEST_SKIP() << "cannot mount a small file system to fill (" << error
                   << "); run as root with CAP_SYS_ADMIN";
    }
  }

  std::string console() { return readFileBytes(relay_.consoleLog()); }

  bool waitForCertifiedBatches(int count) {
    return waitFor(
        [&] {
          return queryText(relay_.database(),
                           "SELECT COUNT(*) FROM batch WHERE state = 'certified'") ==
                 std::to_string(count);
        },
        seconds(90));
  }

  RelayHarness relay_;
  SmallDisk disk_;
};

TEST_F(DiskFullTest, ImportWaitsForSpace) {
  // The database and the log file share one small file system, as on a server whose single
  // disk fills up.
  mountSmallDisk(relay_.stateDir(), 16);
  relay_.settings().log_file = relay_.stateDir() / "alur-relay.log";
  relay_.settings().log_level = "debug";  // for the lines of each retry
  relay_.writeConfig();
  ASSERT_TRUE(relay_.start());
  ASSERT_TRUE(waitFor([&] { return fs::exists(relay_.database()); }, seconds(20)));
  ASSERT_TRUE(disk_.fill());

  // A valid export, and one that cannot be read and must go to quarantine.
  relay_.dropExport(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv");
  {
    std::ofstream broken(relay_.exports() / "broken.csv");
    broken << "a,b,c\n1,2,3\n";
  }
  ASSERT_TRUE(waitFor([&] { return countLines(console(), "error", "ingest") == 2; }, seconds(20)))
      << relay_.logTail();
  std::this_thread::sleep_for(seconds(5));

  std::string during = console();
  // Attempts go on after 1, 2 and 4 seconds: three or four failures in the 5 s, where a retry
  // at every one-second tick would make six.
  const std::string retry = "import failed file=export.csv";
  int retries = countLines(during, "debug", "ingest", retry);
  EXPECT_GE(retries, 2) << during;
  EXPECT_LE(retries, 4) << during;
  EXPECT_EQ(countLines(during, "debug", "ingest", retry + " failures=1 next_attempt_in=1s"), 1);
  EXPECT_EQ(countLines(during, "debug", "ingest", retry + " failures=2 next_attempt_in=2s"), 1);
  EXPECT_TRUE(relay_.running()) << relay_.logTail();
  EXPECT_EQ(countLines(during, "error", "ingest"), 2) << during;
  EXPECT_NE(during.find("disk is full"), std::string::npos) << during;
  EXPECT_NE(during.find("cannot move " + (relay_.exports() / "broken.csv").string()),
            std::string::npos)
      << during;
  EXPECT_TRUE(fs::exists(relay_.exports() / "export.csv"));
  EXPECT_TRUE(fs::exists(relay_.exports() / "broken.csv"));
  EXPECT_TRUE(fs::is_empty(relay_.stateDir() / "quarantine")) << "a partial copy was left";
  EXPECT_EQ(queryText(relay_.database(), "SELECT COUNT(*) FROM import_file"), "0");
  EXPECT_EQ(queryText(relay_.database(), "SELECT COUNT(*) FROM lease"), "0");
  EXPECT_EQ(queryText(relay_.database(), "PRAGMA integrity_check"), "ok");

  disk_.release();
  ASSERT_TRUE(waitForCertifiedBatches(1)) << relay_.logTail();
  std::string after = console();
  EXPECT_EQ(countLines(after, "error", "ingest", "error="), 2) << after;
  EXPECT_EQ(countLines(after, "info", "ingest", "recovered"), 2) << after;
  EXPECT_FALSE(fs::exists(relay_.exports() / "broken.csv"));
  int quarantined = 0;
  for (const auto& entry : fs::directory_iterator(relay_.stateDir() / "quarantine")) {
    quarantined += entry.path().filename().string().find("broken.csv") != std::string::npos;
  }
  EXPECT_EQ(quarantined, 2) << "expected broken.csv and its .reason.txt in quarantine";
  EXPECT_NE(readFileBytes(relay_.logFile()).find("recovered"), std::string::npos)
      << "the log file did not resume after space returned";
  EXPECT_TRUE(relay_.running());

  relay_.kill();
  InvariantChecker checker(relay_, InvariantChecker::kErrorsExpected);
  std::vector<fs::path> exports = {fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv"};
  for (const auto& violation : checker.checkDelivered(expectedStates(exports))) {
    ADD_FAILURE() << violation;
  }
}

TEST_F(DiskFullTest, BatchFileWaitsForSpace) {
  // Only the batch files' file system is full, so the import and the batch commit succeed and
  // the batch file cannot be written. The outbox and sent folders are symbolic links into the
  // small disk, because a rename works only within one mount.
  const fs::path small = relay_.work() / "small-disk";
  mountSmallDisk(small, 1);
  fs::create_directories(relay_.stateDir());
  for (const char* folder : {"outbox", "sent"}) {
    fs::create_directories(small / folder);
    fs::create_directory_symlink(small / folder, relay_.stateDir() / folder);
  }
  ASSERT_TRUE(disk_.fill());
  ASSERT_TRUE(relay_.start());
  relay_.dropExport(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv");
  ASSERT_TRUE(waitFor([&] { return countLines(console(), "error", "upload") > 0; }, seconds(30)))
      << relay_.logTail();
  std::this_thread::sleep_for(seconds(5));

  std::string during = console();
  EXPECT_TRUE(relay_.running()) << relay_.logTail();
  EXPECT_EQ(countLines(during, "error", "upload") + countLines(during, "error", "batch"), 1)
      << during;
  EXPECT_NE(during.find("No space left on device"), std::string::npos) << during;
  EXPECT_EQ(queryText(relay_.database(), "SELECT state FROM batch"), "built");
  EXPECT_EQ(queryText(relay_.database(), "SELECT COUNT(*) FROM lease WHERE state = 'batched'"),
            queryText(relay_.database(), "SELECT lease_count FROM batch"));
  for (const auto& entry : fs::directory_iterator(relay_.stateDir() / "outbox")) {
    ADD_FAILURE() << "a partial batch file was left behind: " << entry.path();
  }
  EXPECT_TRUE(fs::is_empty(relay_.simulator().uploadFolder()));

  disk_.release();
  ASSERT_TRUE(waitForCertifiedBatches(1)) << relay_.logTail();
  EXPECT_EQ(countLines(console(), "info", "upload", "recovered"), 1) << console();
  relay_.kill();
  InvariantChecker checker(relay_, InvariantChecker::kErrorsExpected);
  std::vector<fs::path> exports = {fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv"};
  for (const auto& violation : checker.checkDelivered(expectedStates(exports))) {
    ADD_FAILURE() << violation;
  }
}

TEST_F(DiskFullTest, FullLogDiskKeepsServiceRunning) {
  // The log file alone is on the full file system.
  const fs::path log_folder = relay_.work() / "log";
  mountSmallDisk(log_folder, 1);
  relay_.settings().log_file = log_folder / "alur-relay.log";
  relay_.writeConfig();
  ASSERT_TRUE(relay_.start());
  ASSERT_TRUE(
      waitFor([&] { return readFileBytes(relay_.logFile()).find(" ready ") != std::string::npos; },
              seconds(20)));
  // tmpfs allocates whole pages, so the test pads the log file to a page boundary. Otherwise the
  // next lines would fit in the free end of its last page.
  {
    std::ofstream log(relay_.logFile(), std::ios::app);
    std::size_t size = fs::file_size(relay_.logFile()) + 1;
    log << std::string((4096 - size % 4096) % 4096, '#') << "\n";
  }
  ASSERT_TRUE(disk_.fill());

  relay_.dropExport(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv");
  ASSERT_TRUE(waitForCertifiedBatches(1)) << relay_.logTail();
  EXPECT_TRUE(relay_.running()) << relay_.logTail();
  std::string during = console();
  EXPECT_NE(during.find("No space left on device"), std::string::npos)
      << "the log file never failed, so this test did not fill it: " << during;
  EXPECT_EQ(countOccurrences(during, "cannot write the log"), 1) << during;
  EXPECT_EQ(readFileBytes(relay_.logFile()).find("certificate batch="), std::string::npos)
      << "the log file grew although its file system was full";

  // Once space returns, the next lines reach the file again.
  disk_.release();
  relay_.dropExport(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day2.csv");
  ASSERT_TRUE(waitForCertifiedBatches(2)) << relay_.logTail();
  EXPECT_TRUE(waitFor(
      [&] {
        return readFileBytes(relay_.logFile()).find("2026_73282932000074_002") != std::string::npos;
      },
      seconds(10)))
      << readFileBytes(relay_.logFile());
  EXPECT_TRUE(relay_.running());
}

}  // namespace
}  // namespace alur::testing
