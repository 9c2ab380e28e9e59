// Starts the platform simulator (tests/simulator/platform_sim.py: vsftpd with explicit TLS on
// 127.0.0.1 and a program that answers deposits) and reads its connection details.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"

namespace alur::testing {

struct SimulatorInfo {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string ca_file;
  std::filesystem::path ftp_root;
  std::string upload_dir;
  std::string return_dir;
};

class Simulator {
 public:
  // Starts the simulator in `workdir` with extra command-line options. Returns an error text,
  // empty on success.
  std::string start(const std::filesystem::path& workdir,
                    const std::vector<std::string>& options = {});
  void stop();
  ~Simulator() { stop(); }

  const SimulatorInfo& info() const { return info_; }
  std::filesystem::path uploadFolder() const;
  std::filesystem::path returnFolder() const;

 private:
  ChildProcess process_;
  SimulatorInfo info_;
};

}  // namespace alur::testing
