// Tests how the real service watches the export folder. The cases are a file written slowly,
// files added while the service was stopped, a file rewritten with the same size and
// modification time, and a burst of a thousand files that overflows the inotify queue.
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash/relay_harness.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

const fs::path kDay1 = fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv";
const fs::path kDay2 = fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day2.csv";

// Reads a number from a "/proc/PID/status" line such as "VmHWM:   28812 kB".
long procStatusKilobytes(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::stol(line.substr(key.size() + 1));
    }
  }
  return -1;
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class ExportFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
    }
    ASSERT_EQ(relay_.setUp("alur-watch-", {}, RelaySettings{}), "");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("work folder kept: %s\n", relay_.work().c_str());
    }
    relay_.tearDown(!HasFailure());
  }

  std::string importCount(const fs::path& file) {
    return queryText(relay_.database(),
                     "SELECT COUNT(*) FROM import_file WHERE path = '" + file.string() + "'");
  }

  std::string lastImportHash(const fs::path& file) {
    return queryText(relay_.database(), "SELECT sha256 FROM import_file WHERE path = '" +
                                            file.string() + "' ORDER BY id DESC LIMIT 1");
  }

  bool waitForImport(const fs::path& file, const std::string& hash,
                     std::chrono::milliseconds timeout = seconds(30)) {
    return waitFor([&] { return lastImportHash(file) == hash; }, timeout);
  }

  RelayHarness relay_;
};

TEST_F(ExportFolderTest, SlowWriterIsReadOnceWhole) {
  relay_.settings().stable_seconds = 2;
  relay_.writeConfig();
  ASSERT_TRUE(relay_.start());
  const std::string bytes = readFileBytes(kDay1);
  const fs::path file = relay_.exports() / "export.csv";

  // Ten chunks, 400 ms apart, make the file grow for 3.6 s. That is longer than stable_seconds,
  // but the file never stays unchanged for that long.
  {
    std::ofstream out(file, std::ios::binary);
    const std::size_t chunk = bytes.size() / 10 + 1;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      out << bytes.substr(at, chunk) << std::flush;
      std::this_thread::sleep_for(milliseconds(400));
    }
  }
  ASSERT_TRUE(waitForImport(file, sha256OfFile(kDay1))) << relay_.logTail();
  std::this_thread::sleep_for(seconds(3));  // time enough for a second read, which must not come

  EXPECT_EQ(importCount(file), "1");
  EXPECT_EQ(queryText(relay_.database(), "SELECT rows FROM import_file"), "300");
  EXPECT_FALSE(fs::exists(relay_.stateDir() / "quarantine"));
  EXPECT_TRUE(relay_.running());
}

TEST_F(ExportFolderTest, FilesAddedWhileStoppedAreRead) {
  ASSERT_TRUE(relay_.start());
  const fs::path rewritten = relay_.exports() / "export.csv";
  relay_.dropExport(kDay1, "export.csv");
  ASSERT_TRUE(waitForImport(rewritten, sha256OfFile(kDay1))) << relay_.logTail();
  ASSERT_EQ(relay_.stop(), 0);

  // While the service is stopped, one export is rewritten and another one appears.
  relay_.dropExport(kDay2, "export.csv");
  const fs::path added = relay_.generateExport(7, 20);
  ASSERT_FALSE(added.empty());
  relay_.dropExport(added, "added.csv");
  ASSERT_TRUE(relay_.start());

  EXPECT_TRUE(waitForImport(rewritten, sha256OfFile(kDay2))) << relay_.logTail();
  EXPECT_TRUE(waitForImport(relay_.exports() / "added.csv", sha256OfFile(added)))
      << relay_.logTail();
  EXPECT_EQ(importCount(rewritten), "2");
  EXPECT_EQ(importCount(relay_.exports() / "added.csv"), "1");
}

TEST_F(ExportFolderTest, SameSizeAndTimeRewriteIsRead) {
  ASSERT_TRUE(relay_.start());
  const fs::path file = relay_.exports() / "export.csv";
  relay_.dropExport(kDay1, "export.csv");
  ASSERT_TRUE(waitForImport(file, sha256OfFile(kDay1))) << relay_.logTail();
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);

  // The software writes the file again in place: one rent changes by a cent, so the size stays
  // the same. The modification time is set back to its old value, as a file system with a
  // coarse clock (FAT, SMB) or a fast second write within one clock tick leaves it.
  std::string bytes = readFileBytes(kDay1);
  const std::string rent = ";822,81;";
  ASSERT_NE(bytes.find(rent), std::string::npos);
  bytes.replace(bytes.find(rent), rent.size(), ";822,82;");
  writeBytes(file, bytes);
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  ASSERT_EQ(after.st_size, before.st_size);
  ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  ASSERT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);

  EXPECT_TRUE(waitForImport(file, sha256OfFile(file), seconds(15))) << relay_.logTail();
  EXPECT_EQ(queryText(relay_.database(), "SELECT changed FROM import_file ORDER BY id DESC"), "1");

  // A change of metadata only (touch) reads the file again, finds the same bytes and records
  // no import.
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), nullptr, 0), 0);
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(importCount(file), "2");
}

TEST_F(ExportFolderTest, BurstOverflowingEventsAllRead) {
  constexpr int kFiles = 1000;
  // Only the watcher and the rescan after an overflow can find the files.
  relay_.settings().rescan_seconds = 3600;
  relay_.writeConfig();
  ASSERT_TRUE(relay_.start());
  ASSERT_TRUE(waitFor(
      [&] { return readFileBytes(relay_.consoleLog()).find(" ready ") != std::string::npos; },
      seconds(20)));
  const long rss_before = procStatusKilobytes(relay_.pid(), "VmRSS");

  // The stopped service reads no event. Renames of a file that is no export fill the kernel's
  // queue (fs.inotify.max_queued_events), so the events of the thousand exports that follow are
  // dropped, and only the rescan after the overflow can find them.
  ASSERT_EQ(::kill(relay_.pid(), SIGSTOP), 0);
  long queue_limit = std::stol(readFileBytes("/proc/sys/fs/inotify/max_queued_events"));
  writeBytes(relay_.exports() / "ping.tmp", "");
  for (long i = 0; i <= queue_limit / 2 + 100; ++i) {
    fs::rename(relay_.exports() / "ping.tmp", relay_.exports() / "pong.tmp");
    fs::rename(relay_.exports() / "pong.tmp", relay_.exports() / "ping.tmp");
  }
  std::string text = readFileBytes(kDay1);
  std::size_t header_end = text.find('\n') + 1;
  std::string header = text.substr(0, header_end);
  std::vector<std::string> lines;
  for (std::size_t at = header_end; at < text.size();) {
    std::size_t end = text.find('\n', at) + 1;
    lines.push_back(text.substr(at, end - at));
    at = end;
  }
  for (int i = 0; i < kFiles; ++i) {
    std::string line = lines[i % lines.size()];
    char id[16];
    std::snprintf(id, sizeof id, "BURST%04d", i);
    line.replace(0, line.find(';'), id);
    char name[32];
    std::snprintf(name, sizeof name, "burst-%04d.csv", i);
    writeBytes(relay_.exports() / name, header + line);
  }
  ASSERT_EQ(::kill(relay_.pid(), SIGCONT), 0);

  EXPECT_TRUE(waitFor(
      [&] {
        return queryText(relay_.database(), "SELECT COUNT(*) FROM import_file") ==
               std::to_string(kFiles);
      },
      seconds(120)))
      << relay_.logTail();
  EXPECT_EQ(queryText(relay_.database(),
                      "SELECT COUNT(DISTINCT dwelling_id) FROM lease WHERE dwelling_id LIKE "
                      "'BURST%'"),
            std::to_string(kFiles));
  EXPECT_NE(readFileBytes(relay_.consoleLog()).find("event queue overflow"), std::string::npos)
      << "the kernel dropped no event, so the rescan after an overflow was not tested";
  EXPECT_TRUE(relay_.running());

  // The worker keeps one map entry per file, so the peak grows by little.
  const long peak = procStatusKilobytes(relay_.pid(), "VmHWM");
  std::printf("service memory: %ld kB before the burst, peak %ld kB after %d files\n", rss_before,
              peak, kFiles);
  RecordProperty("rss_before_kb", std::to_string(rss_before));
  RecordProperty("peak_rss_kb", std::to_string(peak));
  EXPECT_LT(peak - rss_before, 64 * 1024) << "kB";
}

}  // namespace
}  // namespace alur::testing
