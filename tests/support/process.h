// Child processes and waiting helpers for the tests that run real programs (the service binary,
// the platform simulator).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace alur::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Starts `argv` with stdout and stderr appended to `log_file`. Returns false when fork or
  // exec failed.
  bool start(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

  // Sends `signal_number` and waits up to `timeout` for the exit; sends SIGKILL after that.
  // Returns the exit status as waitpid reports it, or -1 when the process was not running.
  int stop(int signal_number, std::chrono::milliseconds timeout);

  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Polls `condition` every 50 ms until it returns true or `timeout` passes.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

std::string readFileBytes(const std::filesystem::path& path);

// Creates a fresh folder under the system temporary folder.
std::filesystem::path makeTempFolder(const std::string& prefix);

}  // namespace alur::testing
