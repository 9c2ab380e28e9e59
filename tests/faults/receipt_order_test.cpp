// Receipts that come back out of order, twice with other bytes, or for a file that this
// database never sent, against the simulator's return folder.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "fault_test_base.h"
#include "receipts/receipts.h"
#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;

class ReceiptOrderTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }

  static fs::path returnFolder() { return simulator_->returnFolder(); }
};

TEST_F(ReceiptOrderTest, LateDuplicateAndUnknownReceipts) {
  ManualClock clock(std::chrono::system_clock::now());
  RelaySettings settings;
  settings.ident_pro = "RECEIPTS";
  settings.port = simulatorInfo().port;
  RelayHarness relay;
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");
  std::string error;
  auto batch = relay.importAndBuild("export.csv", sampleExport("", 0, 40), &error);
  ASSERT_TRUE(batch) << error;
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());
  const std::string id = std::to_string(batch->id);
  ASSERT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "uploaded");

  const std::string ack = receipts::receiptName("{stem}.ACK.TXT", batch->file_name);
  const std::string report = receipts::receiptName("{stem}.RAPPORT.CSV", batch->file_name);
  const std::string certificate = receipts::receiptName("{stem}.CERTIFICAT.PDF", batch->file_name);
  ASSERT_TRUE(waitFor(
      [&] {
        return fs::exists(returnFolder() / ack) && fs::exists(returnFolder() / report) &&
               fs::exists(returnFolder() / certificate);
      },
      std::chrono::seconds(30)));

  // The acknowledgement arrives last; a file of another installation waits in the folder.
  const fs::path held_back = work_ / ack;
  fs::copy_file(returnFolder() / ack, held_back);
  fs::remove(returnFolder() / ack);
  const std::string unknown = "2026_OTHER_001.ACK.TXT";
  fs::copy_file(held_back, returnFolder() / unknown);

  ASSERT_TRUE(relay.pipeline().pollReceipts().ok());
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM receipt WHERE batch_id = " + id), "2");
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE state IN ('integrated', 'rejected')"),
            std::to_string(batch->lease_count))
      << "a report before its acknowledgement is applied";

  // The report comes again with other bytes before the acknowledgement: the archived copy is
  // the first one.
  const fs::path archived_report =
      relay.config().archiveDir() / receipts::receiptName("{stem}", batch->file_name) / report;
  const std::string first_report = readFileBytes(archived_report);
  ASSERT_FALSE(first_report.empty());
  {
    std::ofstream out(returnFolder() / report, std::ios::binary | std::ios::trunc);
    out << "identifiant;statut;motif\nX;REJETE;autre\n";
  }
  fs::copy_file(held_back, returnFolder() / ack);
  ASSERT_TRUE(relay.pipeline().pollReceipts().ok());
  EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "certified");
  EXPECT_EQ(readFileBytes(archived_report), first_report);
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM receipt WHERE batch_id = " + id), "3")
      << "the acknowledgement that came after the certificate is archived";

  // The unknown file was neither archived nor applied.
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM receipt WHERE remote_name = '" + unknown + "'"), "0");
  for (const auto& entry : fs::recursive_directory_iterator(relay.config().archiveDir())) {
    EXPECT_NE(entry.path().filename(), unknown);
  }
  EXPECT_EQ(relay.query("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace alur::testing
