// Data folder and export folder location (platform/windows/paths.h).
#include "platform/windows/paths.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "common/win32.h"
#include "support.h"

namespace alur::windows {
namespace {

TEST(PathsTest, DataFolderIsUnderProgramData) {
  auto folder = dataFolder();
  ASSERT_TRUE(folder.ok()) << folder.message();
  EXPECT_EQ(folder->filename(), L"alur-relay");
  const char* program_data = std::getenv("ProgramData");
  ASSERT_NE(program_data, nullptr);
  EXPECT_EQ(win32::utf8Path(folder->parent_path()), program_data);
  auto config = defaultConfigFile();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config, *folder / L"alur-relay.conf");
}

TEST(PathsTest, LocalAndUncFoldersAreAccepted) {
  test::TempFolder folder;
  EXPECT_TRUE(checkExportFolderLocation(folder.path()).ok());
  EXPECT_TRUE(checkExportFolderLocation(L"\\\\fileserver\\exports\\agence").ok());
}

TEST(PathsTest, MappedNetworkDriveIsRejected) {
  // scripts/windows_test.sh maps this drive letter as a network drive of the Wine prefix.
  const char* drive = std::getenv("ALUR_TEST_NETWORK_DRIVE");
  ASSERT_NE(drive, nullptr) << "set ALUR_TEST_NETWORK_DRIVE to a drive letter of type network";
  Status checked = checkExportFolderLocation(std::string(drive) + "\\exports");
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find(std::string("network drive ") + drive), std::string::npos)
      << checked.message();
  EXPECT_NE(checked.message().find("UNC"), std::string::npos) << checked.message();
}

}  // namespace
}  // namespace alur::windows
