#include "store/store.h"

#include <gtest/gtest.h>

#include "support/process.h"

namespace alur::store {
namespace {

namespace fs = std::filesystem;

const std::string kSiret = "73282932000074";

lease::LeaseRecord lease(const std::string& id, lease::Cents rent) {
  lease::LeaseRecord r;
  r.dwelling_id = id;
  r.address = {"1", "", "RUE", "des Lilas", "", "69003", "Lyon", "69383"};
  r.rooms = 2;
  r.surface_centi_m2 = 4500;
  r.rent = rent;
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-store-");
    open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(folder_);
  }
  void open() {
    store_.reset();
    auto opened = Store::open(folder_ / "alur-relay.db");
    ASSERT_TRUE(opened.ok()) << opened.message();
    store_ = std::move(*opened);
  }

  LeaseChange importOne(const lease::LeaseRecord& r,
                        lease::Classification c = lease::Classification::kValid) {
    EXPECT_TRUE(store_->beginImport().ok());
    auto change = store_->importLease(kSiret, r, {}, c);
    EXPECT_TRUE(change.ok()) << change.message();
    ImportSummary summary;
    summary.path = "export.csv";
    summary.sha256 = "hash-" + std::to_string(++imports_);
    EXPECT_TRUE(store_->commitImport(summary).ok());
    return *change;
  }

  std::optional<BatchRow> build() {
    auto built = store_->buildBatch(
        kSiret, 2027, lease::Date{2027, 1, 15},
        [](int year, int seq) {
          return std::to_string(year) + "_X_" + std::to_string(seq) + ".CSV";
        },
        [](int count) { return "2027;" + kSiret + ";" + std::to_string(count) + ";"; },
        [](const lease::LeaseRecord& r, const std::optional<lease::Date>& previous) {
          return r.dwelling_id + ";" + (previous ? previous->iso() : "none");
        },
        "\r\n");
    EXPECT_TRUE(built.ok()) << built.message();
    return built.ok() ? *built : std::nullopt;
  }

  int countInState(const std::string& state) {
    auto leases = store_->leasesInState(state);
    return leases.ok() ? static_cast<int>(leases->size()) : -1;
  }

  fs::path folder_;
  std::unique_ptr<Store> store_;
  int imports_ = 0;
};

TEST_F(StoreTest, QueuesNewLease) {
  EXPECT_EQ(importOne(lease("A", 50000)), LeaseChange::kNew);
  EXPECT_EQ(countInState("pending"), 1);
}

TEST_F(StoreTest, DoesNotRequeueUnchangedLease) {
  importOne(lease("A", 50000));
  ASSERT_TRUE(build().has_value());
  EXPECT_EQ(importOne(lease("A", 50000)), LeaseChange::kUnchanged);
  EXPECT_EQ(countInState("pending"), 0);
  EXPECT_EQ(countInState("batched"), 1);
}

TEST_F(StoreTest, RequeuesChangedLease) {
  importOne(lease("A", 50000));
  ASSERT_TRUE(build().has_value());
  EXPECT_EQ(importOne(lease("A", 51750)), LeaseChange::kChanged);
  EXPECT_EQ(countInState("pending"), 1);
}

TEST_F(StoreTest, KeepsInvalidLeaseOutOfBatches) {
  importOne(lease("A", 50000), lease::Classification::kInvalid);
  EXPECT_FALSE(build().has_value());
  EXPECT_EQ(countInState("invalid"), 1);
}

TEST_F(StoreTest, RemembersLastImportPerPath) {
  importOne(lease("A", 50000));
  importOne(lease("A", 51000));
  EXPECT_EQ(*store_->lastImportHash("export.csv"), "hash-2");
  EXPECT_EQ(*store_->lastImportHash("other.csv"), "");
}

TEST_F(StoreTest, RollsBackUncommittedImport) {
  ASSERT_TRUE(store_->beginImport().ok());
  ASSERT_TRUE(
      store_->importLease(kSiret, lease("A", 50000), {}, lease::Classification::kValid).ok());
  store_->rollbackImport();
  EXPECT_EQ(countInState("pending"), 0);
}

TEST_F(StoreTest, NumbersBatchesAndRebuildsTheirBytes) {
  importOne(lease("A", 50000));
  auto first = build();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->file_name, "2027_X_1.CSV");
  importOne(lease("B", 50000));
  auto second = build();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->sequence, 2);
  auto bytes = store_->batchBytes(second->id);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  EXPECT_EQ(*bytes, "2027;" + kSiret + ";1;\r\nB;none\r\n");
}

TEST_F(StoreTest, PassesPreviousSurveyDateToNextBatch) {
  importOne(lease("A", 50000));
  build();
  importOne(lease("A", 52000));
  auto second = build();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*store_->batchBytes(second->id), "2027;" + kSiret + ";1;\r\nA;2027-01-15\r\n");
}

TEST_F(StoreTest, FollowsBatchThroughReceipts) {
  importOne(lease("A", 50000));
  importOne(lease("B", 50000));
  auto batch = build();
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(store_->markUploading(batch->id, "2027-01-15T02:30:00Z").ok());
  ASSERT_TRUE(store_->markUploaded(batch->id, "2027-01-15T02:30:05Z").ok());
  EXPECT_EQ(countInState("uploaded"), 2);
  ASSERT_TRUE(store_->markAcknowledged(batch->id, "2027-01-15T02:31:00Z").ok());
  auto unknown = store_->applyReport(
      batch->id,
      {{"A", "integrated", ""}, {"B", "rejected", "surface absente"}, {"Z", "integrated", ""}},
      "2027-01-15T02:32:00Z");
  ASSERT_TRUE(unknown.ok()) << unknown.message();
  EXPECT_EQ(*unknown, 1);
  EXPECT_EQ(countInState("integrated"), 1);
  auto rejected = store_->leasesInState("rejected");
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].platform_reason, "surface absente");
  ASSERT_TRUE(
      store_->recordCertificate(batch->id, "/archive/cert.pdf", "2027-01-15T02:33:00Z").ok());
  auto row = store_->batchByName(batch->file_name);
  EXPECT_EQ((*row)->state, "certified");
}

TEST_F(StoreTest, CertifiesBatchWhenCertificateArrivesBeforeReport) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  ASSERT_TRUE(store_->recordCertificate(batch->id, "/archive/cert.pdf", "t").ok());
  ASSERT_TRUE(store_->applyReport(batch->id, {{"A", "integrated", ""}}, "t").ok());
  EXPECT_EQ((*store_->batchByName(batch->file_name))->state, "certified");
}

TEST_F(StoreTest, LeaseChangedDuringUploadStaysPending) {
  importOne(lease("A", 50000));
  auto batch = build();
  importOne(lease("A", 52000));
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  EXPECT_EQ(countInState("pending"), 1);
  EXPECT_EQ(countInState("uploaded"), 0);
}

TEST_F(StoreTest, SchedulesRetryAfterTransientFailure) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploading(batch->id, "2027-01-15T02:30:00Z").ok());
  ASSERT_TRUE(store_
                  ->recordUploadFailure(batch->id, false, "connection refused",
                                        "2027-01-15T02:30:00Z", "2027-01-15T02:31:00Z")
                  .ok());
  EXPECT_TRUE(store_->batchesDueForUpload("2027-01-15T02:30:30Z")->empty());
  EXPECT_EQ(store_->batchesDueForUpload("2027-01-15T02:31:00Z")->size(), 1u);
}

TEST_F(StoreTest, StopsBatchAfterPermanentFailure) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->recordUploadFailure(batch->id, true, "530 login refused", "t", "").ok());
  EXPECT_TRUE(store_->batchesDueForUpload("9999")->empty());
  EXPECT_EQ((*store_->batchByName(batch->file_name))->state, "failed");
}

TEST_F(StoreTest, ResendsBatchThatNeverReachedPlatform) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->recordUploadFailure(batch->id, true, "530 login refused", "t", "").ok());
  auto resent = store_->resendFailed("t2");
  ASSERT_TRUE(resent.ok()) << resent.message();
  EXPECT_EQ(*resent, 1);
  auto due = store_->batchesDueForUpload("9999");
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].file_name, batch->file_name);
  EXPECT_EQ((*due)[0].attempts, 0);
}

TEST_F(StoreTest, RequeuesLeasesOfBatchRejectedAsWhole) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  ASSERT_TRUE(store_->markRejectedAsWhole(batch->id, "en-tête illisible", "t").ok());
  EXPECT_EQ(countInState("rejected"), 1);
  ASSERT_TRUE(store_->resendFailed("t2").ok());
  EXPECT_EQ(countInState("pending"), 1);
  auto next = build();
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->file_name, batch->file_name);
}

TEST_F(StoreTest, KeepsLeaseRejectedByReportOnResend) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  ASSERT_TRUE(store_->applyReport(batch->id, {{"A", "rejected", "surface absente"}}, "t").ok());
  ASSERT_TRUE(store_->resendFailed("t2").ok());
  EXPECT_EQ(countInState("rejected"), 1);
}

TEST_F(StoreTest, ResendBatchChecksExpectedState) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploading(batch->id, "t").ok());
  ASSERT_TRUE(store_->recordUploadFailure(batch->id, true, "530 login refused", "t", "").ok());
  auto stale = store_->resendBatch(batch->id, "uploading", "2027-01-15T02:31:00Z", "t2");
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.message().find("changed meanwhile: it is now failed"), std::string::npos)
      << stale.message();
  EXPECT_EQ((*store_->batchByName(batch->file_name))->state, "failed");

  auto resent = store_->resendBatch(batch->id, "failed", "", "t2");
  ASSERT_TRUE(resent.ok()) << resent.message();
  EXPECT_EQ(*resent, ResendAction::kBuiltAgain);
  auto row = *store_->batchByName(batch->file_name);
  EXPECT_EQ(row->state, "built");
  EXPECT_EQ(row->attempts, 0);
}

TEST_F(StoreTest, ResendBatchLeavesOtherBatches) {
  importOne(lease("A", 50000));
  auto first = build();
  importOne(lease("B", 50000));
  auto second = build();
  for (const auto& batch : {first, second}) {
    ASSERT_TRUE(store_->recordUploadFailure(batch->id, true, "530 login refused", "t", "").ok());
  }
  ASSERT_TRUE(store_->resendBatch(second->id, "failed", "", "t2").ok());
  EXPECT_EQ((*store_->batchByName(first->file_name))->state, "failed");
  EXPECT_EQ((*store_->batchByName(second->file_name))->state, "built");
}

TEST_F(StoreTest, ResendBatchRequeuesLeasesRejectedAsWhole) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  ASSERT_TRUE(store_->markRejectedAsWhole(batch->id, "en-tête illisible", "t").ok());
  EXPECT_EQ(*store_->countLeasesToRequeue(batch->id), 1);
  auto resent = store_->resendBatch(batch->id, "failed", "", "t2");
  ASSERT_TRUE(resent.ok()) << resent.message();
  EXPECT_EQ(*resent, ResendAction::kLeasesRequeued);
  EXPECT_EQ(countInState("pending"), 1);
  EXPECT_EQ(*store_->countLeasesToRequeue(batch->id), 0);
  auto again = store_->resendBatch(batch->id, "failed", "", "t3");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("has no lease left to send again"), std::string::npos)
      << again.message();
}

TEST_F(StoreTest, ResendBatchRejectsUploadedBatch) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploaded(batch->id, "t").ok());
  auto resent = store_->resendBatch(batch->id, "uploaded", "", "t2");
  ASSERT_FALSE(resent.ok());
  EXPECT_NE(resent.message().find("nothing was changed"), std::string::npos) << resent.message();
  EXPECT_EQ((*store_->batchByName(batch->file_name))->state, "uploaded");
}

TEST_F(StoreTest, ClampNextAttemptOnlyMovesItBack) {
  importOne(lease("A", 50000));
  auto batch = build();
  ASSERT_TRUE(store_->markUploading(batch->id, "t").ok());
  ASSERT_TRUE(
      store_->recordUploadFailure(batch->id, false, "refused", "t", "2031-01-01T00:00:00Z").ok());
  ASSERT_TRUE(store_->clampNextAttempt(batch->id, "2026-05-04T10:00:00Z").ok());
  EXPECT_EQ((*store_->batchByName(batch->file_name))->next_attempt_at, "2026-05-04T10:00:00Z");
  ASSERT_TRUE(store_->clampNextAttempt(batch->id, "2026-05-04T11:00:00Z").ok());
  EXPECT_EQ((*store_->batchByName(batch->file_name))->next_attempt_at, "2026-05-04T10:00:00Z");
}

TEST_F(StoreTest, UnfinishedBatchesLeaveOutDoneOnes) {
  importOne(lease("A", 50000));
  auto waiting = build();
  importOne(lease("B", 50000));
  auto rejected = build();
  ASSERT_TRUE(store_->markUploaded(rejected->id, "t").ok());
  ASSERT_TRUE(store_->markRejectedAsWhole(rejected->id, "en-tête illisible", "t").ok());
  auto listed = store_->unfinishedBatches();
  ASSERT_TRUE(listed.ok()) << listed.message();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].file_name, waiting->file_name);
  EXPECT_EQ((*listed)[1].file_name, rejected->file_name);
  EXPECT_EQ((*listed)[1].acknowledged_at, "t");

  ASSERT_TRUE(store_->resendFailed("t2").ok());  // the rejected batch's lease goes to pending
  listed = store_->unfinishedBatches();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].file_name, waiting->file_name);
}

TEST_F(StoreTest, SurvivesReopen) {
  importOne(lease("A", 50000));
  build();
  open();
  EXPECT_EQ(countInState("batched"), 1);
  EXPECT_EQ(*store_->integrityCheck(), "ok");
}

TEST_F(StoreTest, MigratesVersionOneDatabase) {
  importOne(lease("A", 50000));
  store_->database().exec("DROP TABLE notification; DROP TABLE meta; PRAGMA user_version = 1");
  open();
  auto version = store_->database().prepare("PRAGMA user_version");
  ASSERT_TRUE(version.step());
  EXPECT_EQ(version.integer(0), kSchemaVersion);
  ASSERT_TRUE(store_->setMeta("pid", "42").ok());
  EXPECT_EQ(*store_->getMeta("pid"), "42");
  EXPECT_EQ(countInState("pending"), 1);
}

TEST_F(StoreTest, RejectsDatabaseFromNewerVersion) {
  store_->database().exec("PRAGMA user_version = 99");
  store_.reset();
  auto opened = Store::open(folder_ / "alur-relay.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("newer version"), std::string::npos);
}

}  // namespace
}  // namespace alur::store
