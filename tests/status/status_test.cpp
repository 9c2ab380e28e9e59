// Reads the status of a database filled through store::Store and checks each field of the JSON
// document, the health, the metrics, the page and the text.
#include <gtest/gtest.h>

#include "status/health.h"
#include "status/metrics.h"
#include "status/page.h"
#include "status/status_json.h"
#include "status/status_report.h"
#include "status/store_fill.h"
#include "support/process.h"

namespace alur::status {
namespace {

namespace fs = std::filesystem;
using lease::Classification;

class StatusJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-status-");
    config_.source = folder_ / "alur-relay.conf";
    config_.state_dir = folder_ / "state";
    config_.export_folder = folder_ / "exports";
    config_.status.min_free_megabytes = 0;
    fs::create_directories(config_.quarantineDir());
    std::ofstream(config_.quarantineDir() / "bad.csv.txt") << "unreadable\n";
    fill();
  }
  void TearDown() override { fs::remove_all(folder_); }

  void fill() {
    auto opened = store::Store::open(config_.databasePath());
    ASSERT_TRUE(opened.ok()) << opened.message();
    store::Store& store = **opened;
    lease::Issue issue{"surface_missing", lease::Severity::kError, "surface", "",
                       "Logement C : surface <absente>."};
    testing::importLeases(store,
                          {{"A", Classification::kValid},
                           {"B", Classification::kValid},
                           {"C", Classification::kInvalid},
                           {"D", Classification::kOutOfScope}},
                          {issue}, "/exports/day1.csv");
    auto first = testing::buildFillBatch(store, 0);
    ASSERT_TRUE(first.has_value());
    certified_name_ = first->file_name;
    testing::certify(store, *first, {{"A", "integrated", ""}, {"B", "rejected", "loyer"}},
                     config_.archiveDir() / "cert.pdf");

    testing::importLeases(store, {{"E", Classification::kValid}}, {}, "/exports/day2.csv");
    auto second = testing::buildFillBatch(store, 0);
    ASSERT_TRUE(second.has_value());
    failed_name_ = second->file_name;
    ASSERT_TRUE(store.markUploading(second->id, "2027-01-16T10:00:00Z").ok());
    ASSERT_TRUE(store
                    .recordUploadFailure(second->id, true, "530 Login incorrect",
                                         "2027-01-16T10:00:05Z", "")
                    .ok());

    for (auto [key, value] :
         {std::pair{"started_at", "2027-01-15T09:00:00Z"}, std::pair{"pid", "4242"},
          std::pair{"version", "9.9.9"}, std::pair{"postal_table_edition", "edition 2027"}}) {
      ASSERT_TRUE(store.setMeta(key, value).ok());
    }
  }

  nlohmann::json readJson() {
    auto text = renderStatusJson(config_);
    EXPECT_TRUE(text.ok()) << text.message();
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
  }

  fs::path folder_;
  config::Config config_;
  std::string certified_name_;
  std::string failed_name_;
};

TEST_F(StatusJsonTest, Service) {
  nlohmann::json json = readJson();
  EXPECT_EQ(json["service"]["running"], false);
  EXPECT_TRUE(json["service"]["pid"].is_null());
  EXPECT_EQ(json["service"]["started_at"], "2027-01-15T09:00:00Z");
  EXPECT_EQ(json["service"]["version"], "9.9.9");
  EXPECT_EQ(json["config"], config_.source.string());
  EXPECT_EQ(json["export_folder"], config_.export_folder.string());
  EXPECT_EQ(json["postal_table_edition"], "edition 2027");
}

TEST_F(StatusJsonTest, LastImport) {
  nlohmann::json import = readJson()["last_import"];
  EXPECT_EQ(import["path"], "/exports/day2.csv");
  EXPECT_TRUE(import["imported_at"].is_string());
  EXPECT_EQ(import["rows"], 1);
  for (const char* field : {"valid", "invalid", "out_of_scope", "new", "changed", "unchanged"}) {
    EXPECT_TRUE(import[field].is_number_integer()) << field;
  }
}

TEST_F(StatusJsonTest, LeasesByState) {
  nlohmann::json states = readJson()["leases_by_state"];
  EXPECT_EQ(states["integrated"], 1);
  EXPECT_EQ(states["rejected"], 1);
  EXPECT_EQ(states["invalid"], 1);
  EXPECT_EQ(states["out_of_scope"], 1);
  EXPECT_EQ(states["batched"], 1);
  EXPECT_EQ(states.size(), 5u);
  EXPECT_TRUE(readJson()["oldest_pending_since"].is_null());
}

TEST_F(StatusJsonTest, LastUpload) {
  nlohmann::json upload = readJson()["last_upload"];
  EXPECT_EQ(upload["at"], "2027-01-16T10:00:05Z");
  EXPECT_EQ(upload["result"], "failed");
  EXPECT_EQ(upload["batch"], failed_name_);
  EXPECT_EQ(upload["message"], "530 Login incorrect");
}

TEST_F(StatusJsonTest, Batches) {
  nlohmann::json batches = readJson()["batches"];
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0]["file_name"], failed_name_);
  EXPECT_EQ(batches[0]["state"], "failed");
  EXPECT_EQ(batches[0]["leases"], 1);
  EXPECT_EQ(batches[0]["attempts"], 1);
  EXPECT_EQ(batches[0]["last_error"], "530 Login incorrect");
  EXPECT_TRUE(batches[0]["uploaded_at"].is_null());
  EXPECT_TRUE(batches[0]["next_attempt_at"].is_null());
  EXPECT_TRUE(batches[0]["created_at"].is_string());
  EXPECT_EQ(batches[1]["file_name"], certified_name_);
  EXPECT_EQ(batches[1]["state"], "certified");
  EXPECT_EQ(batches[1]["leases"], 2);
  EXPECT_EQ(batches[1]["uploaded_at"], "2027-01-15T10:00:00Z");
  EXPECT_EQ(batches[1]["certificate_path"], (config_.archiveDir() / "cert.pdf").string());
}

TEST_F(StatusJsonTest, LeasesToCorrect) {
  nlohmann::json leases = readJson()["leases_to_correct"];
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0]["dwelling_id"], "B");
  EXPECT_EQ(leases[0]["state"], "rejected");
  EXPECT_EQ(leases[0]["code"], "platform_rejected");
  EXPECT_EQ(leases[0]["message"], "Logement B : refusé par la plateforme : loyer");
  EXPECT_EQ(leases[1]["dwelling_id"], "C");
  EXPECT_EQ(leases[1]["state"], "invalid");
  EXPECT_EQ(leases[1]["code"], "surface_missing");
  EXPECT_EQ(leases[1]["message"], "Logement C : surface <absente>.");
}

TEST_F(StatusJsonTest, FoldersAndCertificates) {
  nlohmann::json json = readJson();
  ASSERT_EQ(json["quarantined"].size(), 1u);
  EXPECT_EQ(json["quarantined"][0], (config_.quarantineDir() / "bad.csv.txt").string());
  ASSERT_EQ(json["certificates"].size(), 1u);
  EXPECT_EQ(json["certificates"][0]["batch"], certified_name_);
  EXPECT_EQ(json["certificates"][0]["path"], (config_.archiveDir() / "cert.pdf").string());
}

TEST_F(StatusJsonTest, FailingUpload) {
  nlohmann::json failing = readJson()["failing"];
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0]["part"], "upload");
  EXPECT_NE(failing[0]["error"].get<std::string>().find("530 Login incorrect"), std::string::npos);
  EXPECT_EQ(failing[0]["since"], "2027-01-16T10:00:05Z");
}

TEST_F(StatusJsonTest, FailingReceiptsRecorded) {
  {
    auto store = store::Store::open(config_.databasePath());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(recordFailure(**store, "receipts", "list failed", "2027-01-17T00:00:00Z").ok());
    ASSERT_TRUE(recordFailure(**store, "receipts", "list failed", "2027-01-18T00:00:00Z").ok());
  }
  nlohmann::json failing = readJson()["failing"];
  ASSERT_EQ(failing.size(), 2u);
  EXPECT_EQ(failing[1]["part"], "receipts");
  EXPECT_EQ(failing[1]["error"], "list failed");
  EXPECT_EQ(failing[1]["since"], "2027-01-17T00:00:00Z");
}

TEST_F(StatusJsonTest, HealthFailsOnFailedBatch) {
  auto facts = readStatusFacts(config_);
  ASSERT_TRUE(facts.ok()) << facts.message();
  config_.status.max_days_without_export = 0;
  Health health = evaluateHealth(config_, *facts);
  EXPECT_FALSE(health.ok);
  ASSERT_EQ(health.reasons.size(), 1u);
  EXPECT_NE(health.reasons[0].find(failed_name_), std::string::npos);
}

TEST_F(StatusJsonTest, MetricsCountUploads) {
  auto facts = readStatusFacts(config_);
  ASSERT_TRUE(facts.ok()) << facts.message();
  std::string metrics = renderMetrics(*facts);
  EXPECT_NE(metrics.find("alur_uploads_total{result=\"ok\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("alur_uploads_total{result=\"failed\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("alur_batches{state=\"certified\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("alur_leases{state=\"invalid\"} 1\n"), std::string::npos);
}

TEST_F(StatusJsonTest, PageEscapesValues) {
  auto facts = readStatusFacts(config_);
  ASSERT_TRUE(facts.ok()) << facts.message();
  std::string page = renderPage(*facts);
  EXPECT_NE(page.find("surface &lt;absente&gt;."), std::string::npos);
  EXPECT_EQ(page.find("<absente>"), std::string::npos);
  EXPECT_NE(page.find("href=\"/certificates/" + certified_name_ + "\""), std::string::npos);
}

TEST_F(StatusJsonTest, TextKeepsKeyLines) {
  auto text = renderStatus(config_);
  ASSERT_TRUE(text.ok()) << text.message();
  for (const std::string& line : std::vector<std::string>{
           "Service:        stopped (last started 2027-01-15T09:00:00Z)", "Leases: 5",
           "Postal table:   edition 2027", "Last files read:", "Batches (newest first):",
           "last error: 530 Login incorrect", "Leases to correct in the management software",
           "Logement B : refusé par la plateforme : loyer", "Certificates:",
           certified_name_ + ": " + (config_.archiveDir() / "cert.pdf").string()}) {
    EXPECT_NE(text->find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace alur::status
