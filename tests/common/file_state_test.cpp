// Uses only the standard library and GoogleTest, so that the Windows tests build it too.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/files.h"

namespace alur {
namespace {

namespace fs = std::filesystem;

class FileStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    folder_ = fs::temp_directory_path() / ("alur-file-state-" + std::to_string(random()));
    fs::create_directories(folder_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }

  void write(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  fs::path folder_;
};

TEST_F(FileStateTest, GivesNothingForMissingFilesAndFolders) {
  EXPECT_FALSE(regularFileState(folder_ / "missing.csv").has_value());
  EXPECT_FALSE(regularFileState(folder_).has_value());
}

TEST_F(FileStateTest, GivesSizeAndModificationTime) {
  fs::path file = folder_ / "baux.csv";
  write(file, "0123456789");
  auto before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  auto after = std::chrono::system_clock::now() + std::chrono::minutes(5);

  std::optional<FileState> state = regularFileState(file);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->size, 10u);
  auto since_epoch = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  };
  EXPECT_GT(state->modified_ns, since_epoch(before));
  EXPECT_LT(state->modified_ns, since_epoch(after));
  EXPECT_EQ(regularFileState(file), state);
}

TEST_F(FileStateTest, SeesARewriteThatKeepsSizeAndModificationTime) {
  fs::path file = folder_ / "baux.csv";
  write(file, "aaaa");
  fs::file_time_type restored = fs::last_write_time(file) - std::chrono::hours(1);
  fs::last_write_time(file, restored);
  std::optional<FileState> first = regularFileState(file);
  ASSERT_TRUE(first.has_value());

  // The change time moves with every write; a short wait lets even a coarse clock tick.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  write(file, "bbbb");
  fs::last_write_time(file, restored);
  std::optional<FileState> second = regularFileState(file);
  ASSERT_TRUE(second.has_value());

  EXPECT_EQ(second->size, first->size);
  EXPECT_EQ(second->modified_ns, first->modified_ns);
  EXPECT_NE(second->change_ns, first->change_ns);
  EXPECT_NE(second, first);
}

TEST_F(FileStateTest, SeesAFileReplacedByRename) {
  fs::path file = folder_ / "baux.csv";
  fs::path next = folder_ / "baux.csv.tmp";
  write(file, "aaaa");
  write(next, "bbbb");
  fs::last_write_time(next, fs::last_write_time(file));
  std::optional<FileState> first = regularFileState(file);
  ASSERT_TRUE(first.has_value());

  fs::rename(next, file);
  std::optional<FileState> second = regularFileState(file);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->file_id, first->file_id);
  EXPECT_NE(second, first);
}

}  // namespace
}  // namespace alur
