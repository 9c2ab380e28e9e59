// The Windows implementations of common/files.h, common/state_lock.h and
// store/filesystem_check.h.
#include "common/files.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "common/state_lock.h"
#include "common/text.h"
#include "store/filesystem_check.h"
#include "support.h"

#include <io.h>
#include <windows.h>

namespace alur {
namespace {

using windows::test::readText;
using windows::test::TempFolder;

TEST(FilesWindowsTest, WritesFileAndCreatesFolder) {
  TempFolder folder;
  auto file = folder.path() / "outbox" / "2024_X_001.CSV";
  ASSERT_TRUE(writeFileDurably(file, "line 1\r\nline 2\r\n").ok());
  EXPECT_EQ(readText(file), "line 1\r\nline 2\r\n");
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(FilesWindowsTest, ReplacesExistingFile) {
  TempFolder folder;
  auto file = folder.path() / "state.txt";
  ASSERT_TRUE(writeFileDurably(file, "old content that is longer").ok());
  ASSERT_TRUE(writeFileDurably(file, "new").ok());
  EXPECT_EQ(readText(file), "new");
}

TEST(FilesWindowsTest, RenameReplacesDestination) {
  TempFolder folder;
  std::ofstream(folder.path() / "a") << "from a";
  std::ofstream(folder.path() / "b") << "from b";
  ASSERT_TRUE(renameDurably(folder.path() / "a", folder.path() / "b").ok());
  EXPECT_FALSE(std::filesystem::exists(folder.path() / "a"));
  EXPECT_EQ(readText(folder.path() / "b"), "from a");
}

TEST(FilesWindowsTest, RenameOfMissingFileNamesBothPaths) {
  TempFolder folder;
  Status renamed = renameDurably(folder.path() / "missing", folder.path() / "target");
  ASSERT_FALSE(renamed.ok());
  EXPECT_NE(renamed.message().find("missing"), std::string::npos) << renamed.message();
  EXPECT_NE(renamed.message().find("target"), std::string::npos) << renamed.message();
}

TEST(FilesWindowsTest, ReadsWholeFile) {
  TempFolder folder;
  std::string content(100000, 'x');
  ASSERT_TRUE(writeFileDurably(folder.path() / "big", content).ok());
  std::string read;
  ASSERT_TRUE(readFile(folder.path() / "big", read).ok());
  EXPECT_EQ(read, content);
  EXPECT_FALSE(readFile(folder.path() / "absent", read).ok());
}

TEST(StateLockWindowsTest, SecondLockIsRefusedUntilFirstIsClosed) {
  TempFolder folder;
  EXPECT_FALSE(isStateFolderLocked(folder.path()));
  auto first = lockStateFolder(folder.path());
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_TRUE(isStateFolderLocked(folder.path()));

  auto second = lockStateFolder(folder.path());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.message().find("another alur-relay process"), std::string::npos)
      << second.message();

  ::_close(*first);
  EXPECT_FALSE(isStateFolderLocked(folder.path()));
  auto third = lockStateFolder(folder.path());
  ASSERT_TRUE(third.ok()) << third.message();
  ::_close(*third);
}

TEST(StateLockWindowsTest, WritesProcessIdReadableWhileLocked) {
  TempFolder folder;
  auto lock = lockStateFolder(folder.path());
  ASSERT_TRUE(lock.ok()) << lock.message();
  std::string pid = readText(folder.path() / "alur-relay.lock");
  EXPECT_EQ(pid, std::to_string(::GetCurrentProcessId()) + "\r\n");
  ::_close(*lock);
}

TEST(FilesystemCheckWindowsTest, LocalFolderIsNotNetwork) {
  TempFolder folder;
  EXPECT_EQ(store::networkFileSystemOf(folder.path()), "");
}

TEST(FilesystemCheckWindowsTest, UncPathIsNetwork) {
  EXPECT_EQ(store::networkFileSystemOf(L"\\\\fileserver\\exports\\state"), "SMB");
}

TEST(FilesystemCheckWindowsTest, RemoteDriveIsNetwork) {
  // scripts/windows_test.sh maps this drive letter as a network drive of the Wine prefix.
  const char* drive = std::getenv("ALUR_TEST_NETWORK_DRIVE");
  ASSERT_NE(drive, nullptr) << "set ALUR_TEST_NETWORK_DRIVE to a drive letter of type network";
  EXPECT_NE(store::networkFileSystemOf(std::string(drive) + "\\state"), "");
}

TEST(FilesWindowsTest, FileNameInUtf8MatchesAPattern) {
  // é is in the western code page (1252), and Ω in no western one.
  std::filesystem::path file =
      std::filesystem::path(L"C:\\Exports") / L"Donn\u00e9es \u03a9 export.CSV";
  EXPECT_EQ(utf8FileName(file),
            "Donn\xc3\xa9"
            "es \xce\xa9 export.CSV");
  EXPECT_TRUE(
      matchesFilePattern("donn\xc3\xa9"
                         "es*.csv",
                         utf8FileName(file)));
}

}  // namespace
}  // namespace alur
