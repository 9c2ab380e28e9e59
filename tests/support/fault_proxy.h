// Starts tests/support/ftps_fault_proxy.py, an FTPS proxy on 127.0.0.1 between the client and the
// simulator's vsftpd that cuts connections or replaces replies on request.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/simulator.h"

namespace alur::testing {

// What the proxy does to the exchange. `fault` is one of the names listed in the script's
// docstring; it fires `count` times, and the proxy only forwards after that.
struct ProxyFault {
  std::string fault = "none";
  int count = 1;
  long cut_after_bytes = 16384;  // data-fin and data-rst
  std::string command = "STOR";  // reply, control-fin and control-rst
  std::string reply;             // reply and greeting, e.g. "452 Insufficient storage."
};

class FaultProxy {
 public:
  // Starts the proxy in front of `simulator`, on `listen_port` (0: a free port), with its files
  // in `folder`. Returns an error text, empty on success.
  std::string start(const SimulatorInfo& simulator, const ProxyFault& fault,
                    const std::filesystem::path& folder, int listen_port = 0);
  void stop();
  ~FaultProxy() { stop(); }

  int port() const { return port_; }

  // Returns the events written so far, one JSON object each: {"kind": "fault", "fault": ...},
  // {"kind": "command", "command": "STOR"}, {"kind": "data", ...}.
  std::vector<nlohmann::json> events() const;
  // Returns the number of faults that fired.
  int faultsFired() const;
  // Returns the number of times the client sent `command`.
  int commandCount(const std::string& command) const;

 private:
  ChildProcess process_;
  std::filesystem::path events_file_;
  int port_ = 0;
};

}  // namespace alur::testing
