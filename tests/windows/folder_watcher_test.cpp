// The ReadDirectoryChangesW watcher behind service/folder_watcher.h.
#include "service/folder_watcher.h"

#include <fstream>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support.h"

namespace alur::service {
namespace {

using windows::test::TempFolder;

class FolderWatcherWindowsTest : public ::testing::Test {
 protected:
  void startWatcher() {
    auto started = FolderWatcher::start(
        io_, folder_.path(),
        [this](const auto& file) { changed_.insert(file.filename().string()); },
        [this] { ++overflows_; });
    ASSERT_TRUE(started.ok()) << started.message();
    watcher_ = std::move(*started);
  }

  // Runs the io_context until `condition` holds or 10 seconds pass.
  bool pumpUntil(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(50));
      io_.restart();
    }
    return condition();
  }

  TempFolder folder_;
  boost::asio::io_context io_;
  std::unique_ptr<FolderWatcher> watcher_;
  std::set<std::string> changed_;
  int overflows_ = 0;
};

TEST_F(FolderWatcherWindowsTest, ReportsNewFile) {
  startWatcher();
  std::ofstream(folder_.path() / "export-day1.csv") << "a;b\r\n";
  EXPECT_TRUE(pumpUntil([&] { return changed_.count("export-day1.csv") > 0; }));
}

TEST_F(FolderWatcherWindowsTest, ReportsFileRenamedIntoFolder) {
  TempFolder elsewhere;
  std::ofstream(elsewhere.path() / "incoming.tmp") << "a;b\r\n";
  startWatcher();
  std::filesystem::rename(elsewhere.path() / "incoming.tmp", folder_.path() / "export-day2.csv");
  EXPECT_TRUE(pumpUntil([&] { return changed_.count("export-day2.csv") > 0; }));
}

TEST_F(FolderWatcherWindowsTest, ReportsRenameWithinFolder) {
  std::ofstream(folder_.path() / "export.part") << "a;b\r\n";
  startWatcher();
  std::filesystem::rename(folder_.path() / "export.part", folder_.path() / "export.csv");
  EXPECT_TRUE(pumpUntil([&] { return changed_.count("export.csv") > 0; }));
}

TEST_F(FolderWatcherWindowsTest, ReportsOverflowWhenEventsAreLost) {
  startWatcher();
  // Hundreds of long names while the io_context does not run: their events take several times
  // the 64 KiB buffer, so the system drops them and reports an overflow.
  std::string long_name(150, 'n');
  for (int i = 0; i < 600; ++i) {
    std::ofstream(folder_.path() / (long_name + std::to_string(i) + ".csv")) << i;
  }
  EXPECT_TRUE(pumpUntil([&] { return overflows_ > 0; }));
}

TEST_F(FolderWatcherWindowsTest, StopEndsNotifications) {
  startWatcher();
  watcher_->stop();
  std::ofstream(folder_.path() / "after-stop.csv") << "a";
  io_.run_for(std::chrono::milliseconds(500));
  EXPECT_EQ(changed_.count("after-stop.csv"), 0u);
}

TEST(FolderWatcherWindowsStartTest, MissingFolderIsAnError) {
  boost::asio::io_context io;
  TempFolder folder;
  auto started = FolderWatcher::start(
      io, folder.path() / "absent", [](const auto&) {}, [] {});
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("absent"), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("rescan"), std::string::npos) << started.message();
}

}  // namespace
}  // namespace alur::service
