#include "support/fault_proxy.h"

#include <csignal>
#include <fstream>

namespace alur::testing {

std::string FaultProxy::start(const SimulatorInfo& simulator, const ProxyFault& fault,
                              const std::filesystem::path& folder, int listen_port) {
  std::filesystem::create_directories(folder);
  const std::filesystem::path tls = std::filesystem::path(simulator.ca_file).parent_path();
  const std::filesystem::path ready = folder / "proxy-ready.json";
  events_file_ = folder / "proxy-events.jsonl";
  std::filesystem::remove(ready);
  std::filesystem::remove(events_file_);
  std::vector<std::string> argv = {
      "python3",
      std::string(ALUR_SOURCE_DIR) + "/tests/support/ftps_fault_proxy.py",
      "--upstream-port",
      std::to_string(simulator.port),
      "--cert",
      (tls / "server.pem").string(),
      "--key",
      (tls / "server.key").string(),
      "--ca",
      simulator.ca_file,
      "--ready-file",
      ready.string(),
      "--events",
      events_file_.string(),
      "--listen-port",
      std::to_string(listen_port),
      "--fault",
      fault.fault,
      "--fault-count",
      std::to_string(fault.count),
      "--cut-after",
      std::to_string(fault.cut_after_bytes),
      "--command",
      fault.command,
  };
  if (!fault.reply.empty()) {
    argv.push_back("--reply");
    argv.push_back(fault.reply);
  }
  const std::filesystem::path log = folder / "proxy.log";
  if (!process_.start(argv, log)) {
    return "cannot start the FTPS proxy";
  }
  bool up = waitFor([&] { return std::filesystem::exists(ready) || !process_.running(); },
                    std::chrono::seconds(20));
  if (!up || !std::filesystem::exists(ready)) {
    return "the FTPS proxy did not become ready; its log: " + readFileBytes(log);
  }
  port_ = nlohmann::json::parse(readFileBytes(ready)).at("port").get<int>();
  return "";
}

void FaultProxy::stop() { process_.stop(SIGTERM, std::chrono::seconds(5)); }

std::vector<nlohmann::json> FaultProxy::events() const {
  std::vector<nlohmann::json> events;
  std::ifstream in(events_file_);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      events.push_back(nlohmann::json::parse(line, nullptr, false));
    }
  }
  return events;
}

int FaultProxy::faultsFired() const {
  int count = 0;
  for (const auto& event : events()) {
    count += event.value("kind", "") == "fault";
  }
  return count;
}

int FaultProxy::commandCount(const std::string& command) const {
  int count = 0;
  for (const auto& event : events()) {
    count += event.value("kind", "") == "command" && event.value("command", "") == command;
  }
  return count;
}

}  // namespace alur::testing
