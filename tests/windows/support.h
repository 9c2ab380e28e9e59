// Helpers of the tests that run under Wine.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace alur::windows::test {

// A new empty folder under the temporary folder, removed by the destructor.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Polls `condition` every 50 ms until it holds or `timeout` passes; returns its last value.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // standard output and standard error
};

// Runs `command_line` with its output sent to a file, waits up to `timeout` and returns the
// exit code and the output. A process still running at the timeout is ended and gets -1.
ProcessResult runProcess(const std::wstring& command_line, std::chrono::milliseconds timeout);

// Returns the whole content of a file, or an empty string.
std::string readText(const std::filesystem::path& file);

// The folder of the running test program.
std::filesystem::path programFolder();

}  // namespace alur::windows::test
