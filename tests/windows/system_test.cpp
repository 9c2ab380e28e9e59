// The portable helpers of common/ as Windows runs them: common/system.h, the calendar functions
// of common/clock.h and the file patterns of common/text.h.
#include "common/system.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/text.h"

#include <windows.h>

namespace alur {
namespace {

TEST(SystemWindowsTest, NamesMachineProcessAndAccount) {
  EXPECT_FALSE(hostName().empty());
  EXPECT_NE(hostName(), "localhost");
  EXPECT_EQ(processId(), static_cast<long>(::GetCurrentProcessId()));
  std::string account = accountName();
  EXPECT_FALSE(account.empty());
  EXPECT_NE(account, "an unknown account");
  EXPECT_EQ(account.find('\0'), std::string::npos);
}

TEST(SystemWindowsTest, NulDeviceIsNoTerminal) {
  HANDLE saved = ::GetStdHandle(STD_INPUT_HANDLE);
  for (const wchar_t* name : {L"NUL", L"CONIN$"}) {
    HANDLE input =
        ::CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      nullptr, OPEN_EXISTING, 0, nullptr);
    if (input == INVALID_HANDLE_VALUE) {
      ASSERT_STREQ(name, L"CONIN$") << "cannot open NUL";
      continue;  // no console attached to this process
    }
    ::SetStdHandle(STD_INPUT_HANDLE, input);
    bool terminal = standardInputIsTerminal();
    ::SetStdHandle(STD_INPUT_HANDLE, saved);
    ::CloseHandle(input);
    EXPECT_EQ(terminal, std::wstring(name) == L"CONIN$") << "standard input " << name;
  }
}

// Sets the TZ variable of the C runtime for one test, then removes it.
class RuntimeTimeZone {
 public:
  explicit RuntimeTimeZone(const char* zone) {
    ::_putenv_s("TZ", zone);
    ::_tzset();
  }
  ~RuntimeTimeZone() {
    ::_putenv_s("TZ", "");
    ::_tzset();
  }
};

TEST(SystemWindowsTest, LocalTimeFollowsTheTimeZone) {
  const std::time_t noon = 1800014400;  // 2027-01-15T12:00:00Z
  {
    RuntimeTimeZone paris_winter("CET-1");
    EXPECT_EQ(utcOffsetSeconds(noon), 3600);
    EXPECT_EQ(localParts(noon).tm_hour, 13);
  }
  {
    RuntimeTimeZone martinique("AST4");
    EXPECT_EQ(utcOffsetSeconds(noon), -4 * 3600);
    EXPECT_EQ(localParts(noon).tm_hour, 8);
  }
}

TEST(SystemWindowsTest, CalendarFunctionsAgreeWithEachOther) {
  // Every 11 hours and 7 minutes over 60 years.
  for (std::time_t t = 0; t < std::time_t{60} * 365 * 86400; t += 11 * 3600 + 7 * 60) {
    ASSERT_EQ(fromUtcParts(utcParts(t)), t);
  }
  auto time = std::chrono::system_clock::from_time_t(1796400350);
  EXPECT_EQ(formatUtc(time), "2026-12-04T16:05:50Z");
  EXPECT_EQ(parseUtc("2026-12-04T16:05:50Z"), time);
}

TEST(SystemWindowsTest, MatchesFilePatternsWithoutCase) {
  EXPECT_TRUE(matchesFilePattern("*.csv", "BAUX_2026.CSV"));
  EXPECT_TRUE(matchesFilePattern("export_[0-9]*.xml", "Export_2026.XML"));
  EXPECT_FALSE(matchesFilePattern("*.csv", "baux.csv.part"));
}

}  // namespace
}  // namespace alur
