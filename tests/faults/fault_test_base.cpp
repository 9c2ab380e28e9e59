#include "fault_test_base.h"

#include <unistd.h>

#include "support/process.h"

namespace alur::testing {

namespace fs = std::filesystem;

std::unique_ptr<Simulator> SimulatorSuite::simulator_;
fs::path SimulatorSuite::simulator_folder_;
std::string SimulatorSuite::start_error_;

void SimulatorSuite::startSimulator(const std::vector<std::string>& options) {
  start_error_.clear();
  if (geteuid() != 0) {
    return;
  }
  simulator_folder_ = makeTempFolder("alur-faults-sim-");
  simulator_ = std::make_unique<Simulator>();
  start_error_ = simulator_->start(simulator_folder_ / "platform", options);
}

void SimulatorSuite::stopSimulator() {
  simulator_.reset();
  if (!simulator_folder_.empty()) {
    std::error_code ignored;
    fs::remove_all(simulator_folder_, ignored);
  }
}

void SimulatorSuite::SetUp() {
  if (geteuid() != 0) {
    GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
  }
  ASSERT_EQ(start_error_, "");
  work_ = makeTempFolder("alur-faults-");
  ASSERT_FALSE(work_.empty());
}

void SimulatorSuite::TearDown() {
  if (!work_.empty() && !HasFailure()) {
    std::error_code ignored;
    fs::remove_all(work_, ignored);
  }
}

std::set<std::string> SimulatorSuite::namesOnServer(const std::string& final_name) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(uploadFolder())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(final_name, 0) == 0) {
      names.insert(name);
    }
  }
  return names;
}

void SimulatorSuite::expectDeliveredOnce(const RelayHarness& relay, const store::BatchRow& batch,
                                         const std::string& bytes) {
  EXPECT_EQ(namesOnServer(batch.file_name), std::set<std::string>{batch.file_name});
  const std::string remote = readFileBytes(uploadFolder() / batch.file_name);
  EXPECT_EQ(remote.size(), bytes.size());
  EXPECT_TRUE(remote == bytes) << "the file on the server differs from the batch";

  const std::string id = std::to_string(batch.id);
  EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "uploaded");
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE last_batch_id = " + id +
                        " AND state = 'uploaded'"),
            std::to_string(batch.lease_count));
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE state IN ('pending', 'batched')"), "0");
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM batch_line WHERE batch_id = " + id),
            std::to_string(batch.lease_count));
  EXPECT_EQ(relay.query("PRAGMA integrity_check"), "ok");
}

}  // namespace alur::testing
