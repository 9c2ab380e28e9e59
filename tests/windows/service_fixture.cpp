// A small program built from the service code of alur-relay.exe, for the tests under Wine and
// the MSI test, where alur-relay.exe itself cannot be linked (Debian has no Windows builds of
// libcurl, SQLite or Boost's compiled libraries). Its `service` commands are those of
// alur-relay.exe; its `run` reports the same states to the service control manager around a
// body that only records its steps in <config folder>\service-events.txt.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "common/win32.h"
#include "platform/windows/service_commands.h"
#include "platform/windows/service_control.h"

namespace {

struct Arguments {
  std::string command;
  std::string action;
  std::wstring name = L"alur-relay";
  std::filesystem::path config;
  int start_ms = 0;
  int drain_ms = 0;
  int exit_code = 0;
  int fail_start = 0;  // when not 0: return this code before reporting ready
  bool start_if_configured = false;
};

void record(const std::filesystem::path& events, const std::string& step) {
  std::ofstream(events, std::ios::app | std::ios::binary) << step << "\n";
}

int runBody(const Arguments& args, alur::windows::ServiceContext& context) {
  std::filesystem::path events = args.config.parent_path() / "service-events.txt";
  record(events, "starting");
  std::mutex mutex;
  std::condition_variable stop;
  bool stop_requested = false;
  context.onStopRequest([&] {
    std::lock_guard lock(mutex);
    stop_requested = true;
    stop.notify_all();
  });
  // Called on the dispatcher's thread, as the real body's request is.
  context.onReloadRequest([&] { record(events, "reload requested"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(args.start_ms));
  if (args.fail_start != 0) {
    record(events, "failed");
    return args.fail_start;
  }
  context.reportReady();
  record(events, "ready");
  {
    std::unique_lock lock(mutex);
    stop.wait(lock, [&] { return stop_requested; });
  }
  context.onReloadRequest(nullptr);
  record(events, "stop requested");
  context.reportStopping();
  std::this_thread::sleep_for(std::chrono::milliseconds(args.drain_ms));
  record(events, "stopped");
  return args.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (arg == "--name") {
      args.name = alur::win32::widen(value);
      ++i;
    } else if (arg == "--config") {
      args.config = alur::win32::widen(value);
      ++i;
    } else if (arg == "--start-ms") {
      args.start_ms = std::atoi(value.c_str());
      ++i;
    } else if (arg == "--drain-ms") {
      args.drain_ms = std::atoi(value.c_str());
      ++i;
    } else if (arg == "--exit-code") {
      args.exit_code = std::atoi(value.c_str());
      ++i;
    } else if (arg == "--fail-start") {
      args.fail_start = std::atoi(value.c_str());
      ++i;
    } else if (arg == "--start-if-configured") {
      args.start_if_configured = true;
    } else if (args.command.empty()) {
      args.command = arg;
    } else {
      args.action = arg;
    }
  }
  if (args.config.empty()) {
    std::cerr << "service_fixture: --config FILE is required\n";
    return 64;
  }

  if (args.command == "service") {
    auto options = alur::windows::defaultServiceOptions(args.config);
    options.name = args.name;
    options.account = L"NT SERVICE\\" + args.name;
    options.start_if_configured = args.start_if_configured;
    return alur::windows::runServiceCommand(args.action, options, std::cout, std::cerr);
  }
  if (args.command == "run") {
    auto code = alur::windows::runAsService(
        args.name, [&](alur::windows::ServiceContext& context) { return runBody(args, context); });
    if (!code) {
      std::cerr << "service_fixture: not started by the service control manager\n";
      return 2;
    }
    return *code;
  }
  std::cerr << "service_fixture: use service ACTION or run\n";
  return 64;
}
