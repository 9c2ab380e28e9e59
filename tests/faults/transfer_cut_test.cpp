// Transfers cut by the network between the relay and the platform's vsftpd: the data connection
// closed mid-stream with a FIN or a RST, and the control connection closed before the success
// reply of STOR or RNTO reaches the relay. After each cut no partial file may carry the final
// name, and the retry must deliver the batch once, under the same name, with the same bytes.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "fault_test_base.h"
#include "support/fault_proxy.h"
#include "support/process.h"
#include "transport/ftps_client.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int kExportRows = 120;

struct CutCase {
  std::string name;
  ProxyFault fault;
  // Whether the server completed the step that the cut hid from the relay, so that the final
  // name may hold the whole file before the retry.
  bool server_may_finish = false;
  int expected_stor_commands = 2;
};

void PrintTo(const CutCase& cut, std::ostream* out) { *out << cut.name; }

class TransferCutTest : public SimulatorSuite, public ::testing::WithParamInterface<CutCase> {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }
};

TEST_P(TransferCutTest, RetryDeliversBatchOnce) {
  const CutCase& cut = GetParam();
  FaultProxy proxy;
  ASSERT_EQ(proxy.start(simulatorInfo(), cut.fault, work_ / "proxy"), "");
  ManualClock clock(std::chrono::system_clock::now());
  RelayHarness relay;
  RelaySettings settings;
  settings.ident_pro = "CUT" + cut.name;
  settings.port = proxy.port();
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay.importAndBuild("export.csv", sampleExport("", 0, kExportRows), &error);
  ASSERT_TRUE(batch) << error;
  const std::string bytes = relay.batchBytes(*batch);
  ASSERT_GT(bytes.size(), static_cast<std::size_t>(cut.fault.cut_after_bytes));

  // The attempt that meets the cut.
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());
  ASSERT_EQ(proxy.faultsFired(), 1) << "the fault did not happen, so the test proves nothing";
  const std::string id = std::to_string(batch->id);
  EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "uploading");
  EXPECT_EQ(relay.query("SELECT attempts FROM batch WHERE id = " + id), "1");
  EXPECT_NE(relay.query("SELECT last_error FROM batch WHERE id = " + id), "");
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE state = 'batched'"),
            std::to_string(batch->lease_count));
  const fs::path final_file = uploadFolder() / batch->file_name;
  if (cut.server_may_finish) {
    if (fs::exists(final_file)) {
      EXPECT_TRUE(readFileBytes(final_file) == bytes) << "a partial file has the final name";
    }
  } else {
    EXPECT_FALSE(fs::exists(final_file)) << "a partial file has the final name";
  }

  // The retry, once the backoff delay has passed.
  const std::string next = relay.query("SELECT next_attempt_at FROM batch WHERE id = " + id);
  ASSERT_NE(next, "");
  clock.set(parseUtc(next) + std::chrono::seconds(1));
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());

  expectDeliveredOnce(relay, *batch, bytes);
  EXPECT_EQ(relay.query("SELECT attempts FROM batch WHERE id = " + id), "2");
  EXPECT_EQ(proxy.commandCount("STOR"), cut.expected_stor_commands);
  EXPECT_EQ(proxy.faultsFired(), 1);

  // The platform reads the final file once, whole: its acknowledgement carries the batch's hash.
  const fs::path ack = simulator_->returnFolder() /
                       (batch->file_name.substr(0, batch->file_name.size() - 4) + ".ACK.TXT");
  ASSERT_TRUE(waitFor([&] { return fs::exists(ack); }, std::chrono::seconds(20)));
  const std::string acknowledgement = readFileBytes(ack);
  EXPECT_THAT(acknowledgement, HasSubstr("statut=RECU"));
  EXPECT_THAT(acknowledgement, HasSubstr("sha256=" + batch->sha256));
}

ProxyFault dataCut(const std::string& fault, long cut_after) {
  ProxyFault result;
  result.fault = fault;
  result.cut_after_bytes = cut_after;
  return result;
}

ProxyFault controlCut(const std::string& fault, const std::string& command) {
  ProxyFault result;
  result.fault = fault;
  result.command = command;
  result.cut_after_bytes = 0;
  return result;
}

// A batch of 105 leases has about 21 KB, which the relay hands to the kernel before the proxy
// cuts after 8 KB. On a FIN or a RST without a TLS close_notify, vsftpd 3.0.3 answers "426
// Failure reading network stream". After a close_notify (data-close) it keeps the 8 KB, answers
// 226, and only the size check stops the rename.
INSTANTIATE_TEST_SUITE_P(
    Cuts, TransferCutTest,
    ::testing::Values(
        CutCase{"DataFin", dataCut("data-fin", 8192)},
        CutCase{"DataCloseThen226", dataCut("data-close", 8192)},
        CutCase{"DataRst", dataCut("data-rst", 8192)},
        CutCase{"DataFinAtFirstByte", dataCut("data-fin", 1)},
        // The server stored the whole temporary file before the cut, so the retry finds it
        // with the batch's bytes and renames it without a second STOR.
        CutCase{"ControlFinBefore226", controlCut("control-fin", "STOR"), true, 1},
        CutCase{"ControlRstBefore226", controlCut("control-rst", "STOR"), true, 1},
        CutCase{"ControlFinBeforeRenameReply", controlCut("control-fin", "RNTO"), true, 1},
        CutCase{"ControlRstBeforeRenameReply", controlCut("control-rst", "RNTO"), true, 1}),
    [](const ::testing::TestParamInfo<CutCase>& param_info) { return param_info.param.name; });

// A file much larger than the socket buffers, so that the relay is still sending when the proxy
// cuts: libcurl reports the failed send instead of a 226.
class LargeTransferCutTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }

  void expectCutIsTransient(const std::string& fault) {
    FaultProxy proxy;
    ASSERT_EQ(proxy.start(simulatorInfo(), dataCut(fault, 256 * 1024), work_ / "proxy"), "");
    std::string bytes(8 << 20, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>((i * 7919) >> 3);
    }
    const fs::path local = work_ / "large.bin";
    std::ofstream(local, std::ios::binary) << bytes;
    transport::FtpsSettings settings;
    settings.port = proxy.port();
    settings.user = simulatorInfo().user;
    settings.password = simulatorInfo().password;
    settings.ca_file = simulatorInfo().ca_file;
    settings.connect_timeout_seconds = 5;
    settings.transfer_timeout_seconds = 20;
    const std::string name = fault + "-large.bin";

    transport::TransferResult cut =
        transport::FtpsClient(settings).upload(local, simulatorInfo().upload_dir, name, ".part");

    EXPECT_EQ(proxy.faultsFired(), 1);
    EXPECT_EQ(cut.outcome, transport::Outcome::kTransient) << cut.message;
    EXPECT_FALSE(fs::exists(uploadFolder() / name));
    transport::TransferResult retried =
        transport::FtpsClient(settings).upload(local, simulatorInfo().upload_dir, name, ".part");
    ASSERT_TRUE(retried.ok()) << retried.message;
    EXPECT_EQ(namesOnServer(name), std::set<std::string>{name});
    EXPECT_TRUE(readFileBytes(uploadFolder() / name) == bytes);
  }
};

TEST_F(LargeTransferCutTest, FinDuringSendIsTransient) { expectCutIsTransient("data-fin"); }

TEST_F(LargeTransferCutTest, RstDuringSendIsTransient) { expectCutIsTransient("data-rst"); }

}  // namespace
}  // namespace alur::testing
