#include "support.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "common/win32.h"
#include "platform/windows/service_commands.h"

#include <windows.h>

namespace alur::windows::test {

TempFolder::TempFolder() {
  static int counter = 0;
  path_ =
      std::filesystem::temp_directory_path() /
      ("alur-test-" + std::to_string(::GetCurrentProcessId()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempFolder::~TempFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return condition();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

ProcessResult runProcess(const std::wstring& command_line, std::chrono::milliseconds timeout) {
  TempFolder folder;
  std::filesystem::path output_file = folder.path() / "output.txt";
  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  win32::UniqueHandle output(::CreateFileW(output_file.c_str(), GENERIC_WRITE,
                                           FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));

  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = nullptr;
  startup.hStdOutput = output.get();
  startup.hStdError = output.get();
  PROCESS_INFORMATION process{};
  std::wstring mutable_line = command_line;
  ProcessResult result;

  if (!::CreateProcessW(nullptr, mutable_line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                        &startup, &process)) {
    result.output = "CreateProcessW failed: " + win32::lastErrorText();
    return result;
  }
  win32::UniqueHandle process_handle(process.hProcess);
  win32::UniqueHandle thread_handle(process.hThread);

  if (::WaitForSingleObject(process.hProcess, static_cast<DWORD>(timeout.count())) !=
      WAIT_OBJECT_0) {
    ::TerminateProcess(process.hProcess, 1);
    ::WaitForSingleObject(process.hProcess, 5000);
  } else {
    DWORD code = 0;
    ::GetExitCodeProcess(process.hProcess, &code);
    result.exit_code = static_cast<int>(code);
  }
  output = win32::UniqueHandle();
  result.output = readText(output_file);
  return result;
}

std::string readText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path programFolder() { return currentExecutable().parent_path(); }

}  // namespace alur::windows::test
