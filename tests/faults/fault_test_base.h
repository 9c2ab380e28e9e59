// Shared set-up of the fault tests: one platform simulator per test suite, a temporary folder
// per test, and checks of the invariants that every fault test verifies.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "relay_harness.h"
#include "support/simulator.h"

namespace alur::testing {

class SimulatorSuite : public ::testing::Test {
 protected:
  static void startSimulator(const std::vector<std::string>& options = {});
  static void stopSimulator();

  void SetUp() override;
  void TearDown() override;

  static const SimulatorInfo& simulatorInfo() { return simulator_->info(); }
  static std::filesystem::path uploadFolder() { return simulator_->uploadFolder(); }
  static std::filesystem::path simulatorFolder() { return simulator_folder_ / "platform"; }

  // Returns the names in the upload folder that belong to the batch file `final_name`: the
  // final name itself and any name that extends it, such as a temporary name.
  static std::set<std::string> namesOnServer(const std::string& final_name);

  // Checks that the batch is on the server once, under its final name, with `bytes`; that
  // every one of its leases is recorded as uploaded; and that the database is intact.
  static void expectDeliveredOnce(const RelayHarness& relay, const store::BatchRow& batch,
                                  const std::string& bytes);

  static std::unique_ptr<Simulator> simulator_;
  static std::filesystem::path simulator_folder_;
  static std::string start_error_;
  std::filesystem::path work_;
};

}  // namespace alur::testing
