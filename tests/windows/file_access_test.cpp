// The access check of files that hold secrets (platform/windows/file_access.h).
#include "platform/windows/file_access.h"

#include <fstream>

#include <gtest/gtest.h>

#include "common/win32.h"
#include "support.h"

#include <aclapi.h>
#include <sddl.h>
#include <windows.h>

namespace alur::windows {
namespace {

using test::TempFolder;

// Builds the DACL of an SDDL string and returns ordinaryReaders() of it.
std::vector<std::string> readersOf(const wchar_t* sddl) {
  win32::LocalMemory<PSECURITY_DESCRIPTOR> descriptor;
  EXPECT_TRUE(::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1,
                                                                     descriptor.out(), nullptr))
      << win32::narrow(sddl);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  ::GetSecurityDescriptorDacl(descriptor.get(), &present, &dacl, &defaulted);
  return ordinaryReaders(dacl);
}

using Names = std::vector<std::string>;

TEST(FileAccessTest, AdministratorsAndSystemOnlyIsPrivate) {
  EXPECT_EQ(readersOf(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)"), Names{});
}

TEST(FileAccessTest, UsersWithReadAreFound) {
  EXPECT_EQ(readersOf(L"D:(A;;FA;;;SY)(A;;0x1200a9;;;BU)"), Names{"Users"});
}

TEST(FileAccessTest, GenericRightsCount) {
  EXPECT_EQ(readersOf(L"D:(A;;GR;;;AU)"), Names{"Authenticated Users"});
  EXPECT_EQ(readersOf(L"D:(A;;GA;;;WD)"), Names{"Everyone"});
  EXPECT_EQ(readersOf(L"D:(A;;FA;;;WD)(A;;FR;;;BU)"), (Names{"Everyone", "Users"}));
}

TEST(FileAccessTest, WriteWithoutReadIsNotReading) {
  EXPECT_EQ(readersOf(L"D:(A;;FW;;;BU)"), Names{});
}

TEST(FileAccessTest, DenyBeforeAllowWins) {
  EXPECT_EQ(readersOf(L"D:(D;;FR;;;WD)(A;;FR;;;BU)"), Names{});
  EXPECT_EQ(readersOf(L"D:(A;;FR;;;BU)(D;;FR;;;WD)"), Names{"Users"});
}

TEST(FileAccessTest, InheritOnlyEntriesDoNotApply) {
  EXPECT_EQ(readersOf(L"D:(A;OICIIO;FR;;;BU)(A;;FA;;;SY)"), Names{});
}

TEST(FileAccessTest, OtherAccountsAreNotOrdinaryUsers) {
  EXPECT_EQ(readersOf(L"D:(A;;FR;;;S-1-5-80-1-2-3-4-5)(A;;FR;;;NS)"), Names{});
}

TEST(FileAccessTest, NoDaclLetsEveryoneRead) {
  auto readers = ordinaryReaders(nullptr);
  ASSERT_EQ(readers.size(), 1u);
  EXPECT_NE(readers[0].find("Everyone"), std::string::npos);
}

TEST(FileAccessTest, VirtualAccountSidMatchesWindows) {
  // The SID that Windows gives to NT SERVICE\TrustedInstaller.
  auto sid = virtualAccountSid(L"TrustedInstaller");
  ASSERT_TRUE(sid.ok()) << sid.message();
  EXPECT_EQ(*sid, "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464");
  auto lower = virtualAccountSid(L"trustedinstaller");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, *sid);
}

// Sets the DACL of `file` from SDDL.
void setDacl(const std::filesystem::path& file, const wchar_t* sddl) {
  win32::LocalMemory<PSECURITY_DESCRIPTOR> descriptor;
  ASSERT_TRUE(::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1,
                                                                     descriptor.out(), nullptr));
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  ::GetSecurityDescriptorDacl(descriptor.get(), &present, &dacl, &defaulted);
  ASSERT_EQ(::SetNamedSecurityInfoW(const_cast<wchar_t*>(file.c_str()), SE_FILE_OBJECT,
                                    DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                    nullptr, nullptr, dacl, nullptr),
            static_cast<DWORD>(ERROR_SUCCESS));
}

TEST(FileAccessTest, ReadableFileIsRejectedWithFix) {
  TempFolder folder;
  auto file = folder.path() / "alur-relay.conf";
  std::ofstream(file) << "[platform]\npassword = x\n";
  setDacl(file, L"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;WD)");
  Status checked = checkNotReadableByOrdinaryUsers(file, "the configuration file");
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find(win32::utf8Path(file)), std::string::npos) << checked.message();
  EXPECT_NE(checked.message().find("Everyone"), std::string::npos) << checked.message();
  EXPECT_NE(checked.message().find("alur-relay service configure"), std::string::npos)
      << checked.message();
  EXPECT_NE(checked.message().find("icacls"), std::string::npos) << checked.message();
}

TEST(FileAccessTest, RestrictedFileIsAccepted) {
  TempFolder folder;
  auto file = folder.path() / "alur-relay.conf";
  std::ofstream(file) << "[platform]\npassword = x\n";
  // NOTE: Wine keeps no access list on files: it maps the Everyone entry to the Unix "other"
  // bits and ignores the rest, so only a deny entry for Everyone makes the file private there.
  setDacl(file, L"D:P(D;;FR;;;WD)(A;;FA;;;SY)(A;;FA;;;BA)");
  Status checked = checkNotReadableByOrdinaryUsers(file, "the configuration file");
  EXPECT_TRUE(checked.ok()) << checked.message();
}

TEST(FileAccessTest, MissingFileIsAnError) {
  TempFolder folder;
  Status checked = checkNotReadableByOrdinaryUsers(folder.path() / "absent.conf", "the file");
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("absent.conf"), std::string::npos) << checked.message();
}

}  // namespace
}  // namespace alur::windows
