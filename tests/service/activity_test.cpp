// The status line that systemd shows, built from the facts of the status command.
#include "service/activity.h"

#include <gtest/gtest.h>

namespace alur::service {
namespace {

TEST(ActivityTest, EmptyQueue) {
  status::StatusFacts facts;
  EXPECT_EQ(describeActivity("/srv/exports", facts), "watching /srv/exports, 0 leases queued");
}

TEST(ActivityTest, CountsLeasesAndBatches) {
  status::StatusFacts facts;
  facts.leases_by_state = {{"batched", 4}, {"invalid", 3}, {"pending", 12}, {"uploaded", 9}};
  facts.batches_by_state = {{"built", 1},    {"uploading", 1}, {"uploaded", 1},
                            {"reported", 1}, {"certified", 7}, {"failed", 2}};
  EXPECT_EQ(describeActivity("/srv/exports", facts),
            "watching /srv/exports, 12 leases queued, 2 batches to upload, 2 batches awaiting "
            "receipts, 2 failed batches");
}

TEST(ActivityTest, SingularForms) {
  status::StatusFacts facts;
  facts.leases_by_state = {{"pending", 1}};
  facts.batches_by_state = {{"built", 1}, {"acknowledged", 1}, {"failed", 1}};
  EXPECT_EQ(describeActivity("/srv/exports", facts),
            "watching /srv/exports, 1 lease queued, 1 batch to upload, 1 batch awaiting receipts, "
            "1 failed batch");
}

TEST(ActivityTest, NamesFailingParts) {
  status::StatusFacts facts;
  facts.failing = {{"upload", "login refused; check platform.user", "2027-01-16T10:00:00Z"},
                   {"disk", std::string(300, 'x'), ""}};
  EXPECT_EQ(describeActivity("/srv/exports", facts),
            "watching /srv/exports, 0 leases queued; upload failing: login refused; check "
            "platform.user; disk failing: " +
                std::string(120, 'x'));
}

}  // namespace
}  // namespace alur::service
