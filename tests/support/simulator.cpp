#include "support/simulator.h"

#include <csignal>

#include <nlohmann/json.hpp>

namespace alur::testing {

std::string Simulator::start(const std::filesystem::path& workdir,
                             const std::vector<std::string>& options) {
  std::filesystem::create_directories(workdir);
  // vsftpd serves the folder as the simulator's FTP user, who must be able to reach it.
  std::filesystem::permissions(workdir.parent_path(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  std::filesystem::path ready = workdir / "ready.json";
  std::filesystem::remove(ready);
  std::vector<std::string> argv = {
      "python3",      std::string(ALUR_SOURCE_DIR) + "/tests/simulator/platform_sim.py",
      "--workdir",    workdir.string(),
      "--ready-file", ready.string()};
  argv.insert(argv.end(), options.begin(), options.end());
  std::filesystem::path log = workdir / "simulator.log";
  if (!process_.start(argv, log)) {
    return "cannot start the simulator";
  }
  bool up = waitFor([&] { return std::filesystem::exists(ready) || !process_.running(); },
                    std::chrono::seconds(60));
  if (!up || !std::filesystem::exists(ready)) {
    return "the simulator did not become ready; its log: " + readFileBytes(log);
  }
  auto json = nlohmann::json::parse(readFileBytes(ready));
  info_.host = json.at("host");
  info_.port = json.at("port");
  info_.user = json.at("user");
  info_.password = json.at("password");
  info_.ca_file = json.at("ca_file");
  info_.ftp_root = json.at("ftp_root").get<std::string>();
  info_.upload_dir = json.at("upload_dir");
  info_.return_dir = json.at("return_dir");
  return "";
}

void Simulator::stop() { process_.stop(SIGTERM, std::chrono::seconds(15)); }

std::filesystem::path Simulator::uploadFolder() const {
  return info_.ftp_root / info_.upload_dir.substr(1);
}

std::filesystem::path Simulator::returnFolder() const {
  return info_.ftp_root / info_.return_dir.substr(1);
}

}  // namespace alur::testing
