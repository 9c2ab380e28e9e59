// The service control code of alur-relay.exe against the service control manager (Wine's here),
// through the fixture program built from it (service_fixture.cpp) and through sc.exe, as an
// administrator would: install, start, query, stop, uninstall.
#include <atomic>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "common/win32.h"
#include "support.h"

#include <windows.h>

namespace alur::windows {
namespace {

using namespace std::chrono_literals;
using test::ProcessResult;
using test::readText;
using test::runProcess;
using test::TempFolder;

constexpr auto kProcessTimeout = 60s;

std::filesystem::path fixturePath() { return test::programFolder() / L"alur_service_fixture.exe"; }

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter = 0;
    name_ = L"alur-relay-test-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
            std::to_wstring(++counter);
    config_ = folder_.path() / "data" / "alur-relay.conf";
  }

  void TearDown() override {
    // Leaves no service behind, whatever the test did.
    fixture(L"service uninstall");
  }

  ProcessResult fixture(const std::wstring& arguments) {
    return runProcess(L"\"" + fixturePath().native() + L"\" " + arguments + L" --name " + name_ +
                          L" --config \"" + config_.native() + L"\"",
                      kProcessTimeout);
  }

  ProcessResult sc(const std::wstring& arguments) {
    return runProcess(L"sc.exe " + arguments, kProcessTimeout);
  }

  // Installs the service, then gives it extra arguments of the fixture's run command.
  void install(const std::wstring& run_options = L"") {
    ProcessResult installed = fixture(L"service install");
    ASSERT_EQ(installed.exit_code, 0) << installed.output;
    if (run_options.empty()) {
      return;
    }
    SC_HANDLE manager = ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
    SC_HANDLE service = ::OpenServiceW(manager, name_.c_str(), SERVICE_CHANGE_CONFIG);
    std::wstring command = L"\"" + fixturePath().native() + L"\" run --config \"" +
                           config_.native() + L"\" --name " + name_ + L" " + run_options;
    BOOL changed = ::ChangeServiceConfigW(service, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
                                          SERVICE_NO_CHANGE, command.c_str(), nullptr, nullptr,
                                          nullptr, nullptr, nullptr, nullptr);
    ::CloseServiceHandle(service);
    ::CloseServiceHandle(manager);
    ASSERT_TRUE(changed) << win32::lastErrorText();
  }

  SERVICE_STATUS_PROCESS status() {
    SERVICE_STATUS_PROCESS status{};
    status.dwCurrentState = 0;
    SC_HANDLE manager = ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
    SC_HANDLE service = ::OpenServiceW(manager, name_.c_str(), SERVICE_QUERY_STATUS);
    DWORD needed = 0;
    if (service != nullptr) {
      ::QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&status),
                             sizeof status, &needed);
      ::CloseServiceHandle(service);
    }
    ::CloseServiceHandle(manager);
    return status;
  }

  bool waitForState(DWORD state, std::chrono::milliseconds timeout = 30s) {
    return test::waitFor([&] { return status().dwCurrentState == state; }, timeout);
  }

  std::string events() { return readText(config_.parent_path() / "service-events.txt"); }

  std::string narrowName() { return win32::narrow(name_); }

  TempFolder folder_;
  std::wstring name_;
  std::filesystem::path config_;
};

TEST_F(ServiceTest, InstallRegistersServiceAndDataFolder) {
  install();

  ProcessResult query = sc(L"query " + name_);
  EXPECT_EQ(query.exit_code, 0) << query.output;
  EXPECT_NE(query.output.find("STOPPED"), std::string::npos) << query.output;

  ProcessResult described = fixture(L"service status");
  ASSERT_EQ(described.exit_code, 0) << described.output;
  EXPECT_NE(described.output.find("state: stopped"), std::string::npos) << described.output;
  EXPECT_NE(described.output.find("start: automatic"), std::string::npos) << described.output;
  EXPECT_NE(described.output.find("account: NT SERVICE\\" + narrowName()), std::string::npos)
      << described.output;
  EXPECT_NE(described.output.find("run --config \"" + win32::utf8Path(config_) + "\""),
            std::string::npos)
      << described.output;

  // The example configuration is copied once, and the secrets folder is made.
  EXPECT_EQ(readText(config_), readText(test::programFolder() / "alur-relay.conf.example"));
  EXPECT_TRUE(std::filesystem::is_directory(config_.parent_path() / "secrets"));

  HKEY key = nullptr;
  std::wstring key_name = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" + name_;
  ASSERT_EQ(::RegOpenKeyExW(HKEY_LOCAL_MACHINE, key_name.c_str(), 0, KEY_READ, &key),
            ERROR_SUCCESS);
  std::vector<wchar_t> message_file(1024);
  DWORD size = static_cast<DWORD>(message_file.size() * sizeof(wchar_t));
  DWORD types = 0;
  DWORD types_size = sizeof types;
  EXPECT_EQ(::RegQueryValueExW(key, L"EventMessageFile", nullptr, nullptr,
                               reinterpret_cast<BYTE*>(message_file.data()), &size),
            ERROR_SUCCESS);
  EXPECT_EQ(::RegQueryValueExW(key, L"TypesSupported", nullptr, nullptr,
                               reinterpret_cast<BYTE*>(&types), &types_size),
            ERROR_SUCCESS);
  ::RegCloseKey(key);
  EXPECT_EQ(std::filesystem::path(message_file.data()), fixturePath());
  EXPECT_EQ(types, 7u);
}

TEST_F(ServiceTest, SecondInstallIsRefusedAndConfigureKeepsConfiguration) {
  install();
  std::ofstream(config_, std::ios::app) << "# edited by the administrator\n";
  std::string edited = readText(config_);

  ProcessResult again = fixture(L"service install");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("already installed"), std::string::npos) << again.output;

  ProcessResult configured = fixture(L"service configure");
  EXPECT_EQ(configured.exit_code, 0) << configured.output;
  EXPECT_EQ(readText(config_), edited);
}

TEST_F(ServiceTest, StartsRunsAndStopsThroughSc) {
  install();
  ProcessResult started = sc(L"start " + name_);
  EXPECT_EQ(started.exit_code, 0) << started.output;
  ASSERT_TRUE(waitForState(SERVICE_RUNNING)) << "state " << status().dwCurrentState;
  EXPECT_EQ(events(), "starting\nready\n");

  ProcessResult query = sc(L"query " + name_);
  EXPECT_NE(query.output.find("RUNNING"), std::string::npos) << query.output;

  ProcessResult stopped = sc(L"stop " + name_);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  ASSERT_TRUE(waitForState(SERVICE_STOPPED));
  EXPECT_EQ(events(), "starting\nready\nstop requested\nstopped\n");
  query = sc(L"query " + name_);
  EXPECT_NE(query.output.find("WIN32_EXIT_CODE    : 0"), std::string::npos) << query.output;
}

TEST_F(ServiceTest, ReloadReachesTheRunningBody) {
  install();
  ProcessResult stopped_reload = fixture(L"service reload");
  EXPECT_EQ(stopped_reload.exit_code, 1) << stopped_reload.output;
  EXPECT_NE(stopped_reload.output.find("start it with sc start"), std::string::npos)
      << stopped_reload.output;

  ASSERT_EQ(sc(L"start " + name_).exit_code, 0);
  ASSERT_TRUE(waitForState(SERVICE_RUNNING));
  ProcessResult reloaded = fixture(L"service reload");
  EXPECT_EQ(reloaded.exit_code, 0) << reloaded.output;
  EXPECT_NE(reloaded.output.find("asked to reload its configuration"), std::string::npos)
      << reloaded.output;
  EXPECT_TRUE(test::waitFor([&] { return events() == "starting\nready\nreload requested\n"; }, 10s))
      << events();
  EXPECT_EQ(status().dwCurrentState, static_cast<DWORD>(SERVICE_RUNNING));

  ASSERT_EQ(sc(L"stop " + name_).exit_code, 0);
  ASSERT_TRUE(waitForState(SERVICE_STOPPED));
  EXPECT_EQ(events(), "starting\nready\nreload requested\nstop requested\nstopped\n");
}

TEST_F(ServiceTest, PendingStatesMoveTheirCheckpoint) {
  install(L"--start-ms 3000 --drain-ms 3000");
  ProcessResult started = sc(L"start " + name_);
  ASSERT_EQ(started.exit_code, 0) << started.output;

  std::vector<DWORD> start_checkpoints;
  std::vector<DWORD> stop_checkpoints;
  auto collect = [&](DWORD pending, std::vector<DWORD>& checkpoints, DWORD final_state) {
    return test::waitFor(
        [&] {
          SERVICE_STATUS_PROCESS now = status();
          if (now.dwCurrentState == pending) {
            EXPECT_GT(now.dwWaitHint, 0u);
            EXPECT_EQ(now.dwControlsAccepted, 0u);
            checkpoints.push_back(now.dwCheckPoint);
          }
          return now.dwCurrentState == final_state;
        },
        30s);
  };
  ASSERT_TRUE(collect(SERVICE_START_PENDING, start_checkpoints, SERVICE_RUNNING));
  EXPECT_EQ(status().dwControlsAccepted,
            static_cast<DWORD>(SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
                               SERVICE_ACCEPT_PARAMCHANGE));
  ASSERT_FALSE(start_checkpoints.empty());
  EXPECT_GE(start_checkpoints.back(), start_checkpoints.front() + 2);

  ProcessResult stopped = sc(L"stop " + name_);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  ASSERT_TRUE(collect(SERVICE_STOP_PENDING, stop_checkpoints, SERVICE_STOPPED));
  ASSERT_FALSE(stop_checkpoints.empty());
  EXPECT_GE(stop_checkpoints.back(), stop_checkpoints.front() + 2);
}

TEST_F(ServiceTest, ExitCodeIsReportedAsServiceSpecific) {
  install(L"--exit-code 3");
  ASSERT_EQ(sc(L"start " + name_).exit_code, 0);
  ASSERT_TRUE(waitForState(SERVICE_RUNNING));
  ASSERT_EQ(sc(L"stop " + name_).exit_code, 0);
  ASSERT_TRUE(waitForState(SERVICE_STOPPED));
  SERVICE_STATUS_PROCESS stopped = status();
  EXPECT_EQ(stopped.dwWin32ExitCode, static_cast<DWORD>(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(stopped.dwServiceSpecificExitCode, 3u);
}

TEST_F(ServiceTest, FailedStartStopsWithoutRunning) {
  install(L"--fail-start 78");
  sc(L"start " + name_);
  bool ran = false;
  ASSERT_TRUE(test::waitFor(
      [&] {
        DWORD state = status().dwCurrentState;
        ran = ran || state == SERVICE_RUNNING;
        return state == SERVICE_STOPPED && events().find("failed") != std::string::npos;
      },
      30s));
  EXPECT_FALSE(ran);
  EXPECT_EQ(status().dwServiceSpecificExitCode, 78u);
  EXPECT_EQ(events(), "starting\nfailed\n");
}

TEST_F(ServiceTest, UninstallStopsAndRemovesButKeepsData) {
  install();
  ASSERT_EQ(sc(L"start " + name_).exit_code, 0);
  ASSERT_TRUE(waitForState(SERVICE_RUNNING));

  ProcessResult removed = fixture(L"service uninstall");
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(events().find("stopped"), std::string::npos);
  ProcessResult query = sc(L"query " + name_);
  EXPECT_NE(query.exit_code, 0) << query.output;
  EXPECT_TRUE(std::filesystem::exists(config_));

  HKEY key = nullptr;
  std::wstring key_name = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" + name_;
  EXPECT_EQ(::RegOpenKeyExW(HKEY_LOCAL_MACHINE, key_name.c_str(), 0, KEY_READ, &key),
            ERROR_FILE_NOT_FOUND);
}

TEST_F(ServiceTest, ConsoleRunIsNotAService) {
  ProcessResult run = fixture(L"run");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("not started by the service control manager"), std::string::npos)
      << run.output;
}

TEST_F(ServiceTest, UnknownActionIsUsageError) {
  ProcessResult run = fixture(L"service restart");
  EXPECT_EQ(run.exit_code, 64) << run.output;
  EXPECT_NE(run.output.find("use install, configure, reload, uninstall or status"),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace alur::windows
