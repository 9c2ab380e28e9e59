// Servers that refuse a rename: onto a name that is already taken, or at all. The second case
// has a configured fallback, [platform] rename = no, which uploads under the final name and
// reads the file back.
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fault_test_base.h"
#include "support/fault_proxy.h"
#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kExportRows = 60;

class RenameDeniedTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator({"--refuse-rename"}); }
  static void TearDownTestSuite() { stopSimulator(); }
};

TEST_F(RenameDeniedTest, FallbackDeliversAfterResend) {
  ManualClock clock(std::chrono::system_clock::now());
  RelaySettings settings;
  settings.ident_pro = "NORENAME";
  settings.port = simulatorInfo().port;
  auto relay = std::make_unique<RelayHarness>();
  ASSERT_EQ(relay->open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay->importAndBuild("export.csv", sampleExport("", 0, kExportRows), &error);
  ASSERT_TRUE(batch) << error;
  const std::string bytes = relay->batchBytes(*batch);
  const std::string id = std::to_string(batch->id);

  // vsftpd answers 550 to RNFR: a permanent failure that names the setting.
  ASSERT_TRUE(relay->pipeline().uploadDueBatches().ok());
  EXPECT_EQ(relay->query("SELECT state FROM batch WHERE id = " + id), "failed");
  const std::string last_error = relay->query("SELECT last_error FROM batch WHERE id = " + id);
  EXPECT_THAT(last_error, HasSubstr("platform.rename = no"));
  EXPECT_THAT(last_error, HasSubstr("550"));
  EXPECT_EQ(namesOnServer(batch->file_name), std::set<std::string>{})
      << "the temporary file stayed on the server";
  EXPECT_EQ(relay->query("SELECT COUNT(*) FROM lease WHERE state = 'batched'"),
            std::to_string(batch->lease_count));

  // The operator sets rename = no and runs alur-relay resend.
  relay.reset();
  settings.rename = false;
  relay = std::make_unique<RelayHarness>();
  ASSERT_EQ(relay->open(work_, simulatorInfo(), settings, clock), "");
  auto resent = relay->store().resendFailed(formatUtc(clock.now()));
  ASSERT_TRUE(resent);
  EXPECT_EQ(*resent, 1);
  ASSERT_TRUE(relay->pipeline().uploadDueBatches().ok());

  expectDeliveredOnce(*relay, *batch, bytes);
}

class RenameTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }
};

TEST_F(RenameTest, NoRenameUploadsUnderFinalName) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.start(simulatorInfo(), ProxyFault{}, work_ / "proxy"), "");
  ManualClock clock(std::chrono::system_clock::now());
  RelaySettings settings;
  settings.ident_pro = "INPLACE";
  settings.port = proxy.port();
  settings.rename = false;
  RelayHarness relay;
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay.importAndBuild("export.csv", sampleExport("", 0, kExportRows), &error);
  ASSERT_TRUE(batch) << error;

  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());

  expectDeliveredOnce(relay, *batch, relay.batchBytes(*batch));
  EXPECT_EQ(proxy.commandCount("RNFR"), 0);
  EXPECT_EQ(proxy.commandCount("STOR"), 1);
  // The file is read back after the transfer.
  EXPECT_EQ(proxy.commandCount("RETR"), 1);
}

// The trade-off of rename = no: after a cut, the platform can see the first bytes under the
// final name until the retry replaces them.
TEST_F(RenameTest, NoRenameSendsCutFileAgain) {
  ProxyFault fault;
  fault.fault = "data-rst";
  fault.cut_after_bytes = 4096;
  FaultProxy proxy;
  ASSERT_EQ(proxy.start(simulatorInfo(), fault, work_ / "proxy"), "");
  ManualClock clock(std::chrono::system_clock::now());
  RelaySettings settings;
  settings.ident_pro = "INPLACECUT";
  settings.port = proxy.port();
  settings.rename = false;
  RelayHarness relay;
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay.importAndBuild("export.csv", sampleExport("", 0, kExportRows), &error);
  ASSERT_TRUE(batch) << error;
  const std::string bytes = relay.batchBytes(*batch);
  const std::string id = std::to_string(batch->id);

  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());
  ASSERT_EQ(proxy.faultsFired(), 1);
  EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "uploading");
  const fs::path final_file = uploadFolder() / batch->file_name;
  ASSERT_TRUE(fs::exists(final_file));
  const std::string partial = readFileBytes(final_file);
  EXPECT_LT(partial.size(), bytes.size());
  EXPECT_EQ(bytes.compare(0, partial.size(), partial), 0) << "the partial file is no prefix";

  clock.set(parseUtc(relay.query("SELECT next_attempt_at FROM batch WHERE id = " + id)) +
            std::chrono::seconds(1));
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());

  expectDeliveredOnce(relay, *batch, bytes);
  EXPECT_EQ(proxy.commandCount("STOR"), 2);
}

// vsftpd cannot rename a file onto a folder. SIZE on a folder gets 550, as for a missing file,
// so the name looks free until the rename: the case of a name taken between the check and the
// rename.
TEST_F(RenameTest, RefusedRenameOntoTakenName) {
  ManualClock clock(std::chrono::system_clock::now());
  RelaySettings settings;
  settings.ident_pro = "TAKEN";
  settings.port = simulatorInfo().port;
  RelayHarness relay;
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay.importAndBuild("export.csv", sampleExport("", 0, kExportRows), &error);
  ASSERT_TRUE(batch) << error;
  const fs::path taken = uploadFolder() / batch->file_name;
  ASSERT_TRUE(fs::create_directory(taken));

  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());

  const std::string id = std::to_string(batch->id);
  EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "failed");
  const std::string last_error = relay.query("SELECT last_error FROM batch WHERE id = " + id);
  EXPECT_THAT(last_error, HasSubstr("already exists"));
  EXPECT_THAT(last_error, Not(HasSubstr("platform.rename = no")));
  EXPECT_TRUE(fs::is_directory(taken));
  EXPECT_EQ(namesOnServer(batch->file_name), std::set<std::string>{batch->file_name});
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE state = 'batched'"),
            std::to_string(batch->lease_count));
  EXPECT_EQ(relay.query("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace alur::testing
