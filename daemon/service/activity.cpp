#include "service/activity.h"

#include <map>

namespace alur::service {
namespace {

// Maximum length of an error text in the line; the log and `alur-relay status` keep it whole.
constexpr std::size_t kMaxErrorLength = 120;

int countOf(const std::map<std::string, int>& counts, std::initializer_list<const char*> states) {
  int total = 0;
  for (const char* state : states) {
    auto it = counts.find(state);
    total += it == counts.end() ? 0 : it->second;
  }
  return total;
}

std::string counted(int count, const std::string& singular, const std::string& plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

}  // namespace

std::string describeActivity(const std::filesystem::path& export_folder,
                             const status::StatusFacts& facts) {
  std::map<std::string, int> leases(facts.leases_by_state.begin(), facts.leases_by_state.end());
  std::string line = "watching " + export_folder.string() + ", " +
                     counted(countOf(leases, {"pending"}), "lease queued", "leases queued");

  int to_upload = countOf(facts.batches_by_state, {"built", "uploading"});
  int awaiting = countOf(facts.batches_by_state, {"uploaded", "acknowledged", "reported"});
  int failed = countOf(facts.batches_by_state, {"failed"});
  if (to_upload > 0) {
    line += ", " + counted(to_upload, "batch to upload", "batches to upload");
  }
  if (awaiting > 0) {
    line += ", " + counted(awaiting, "batch awaiting receipts", "batches awaiting receipts");
  }
  if (failed > 0) {
    line += ", " + counted(failed, "failed batch", "failed batches");
  }
  for (const auto& failure : facts.failing) {
    std::string error = failure.error.substr(0, kMaxErrorLength);
    line += "; " + failure.part + " failing: " + error;
  }
  return line;
}

std::string ActivityReporter::line() {
  if (!connection_) {
    auto opened = store::Store::openReadOnly(config_.databasePath());
    if (!opened) {
      return "watching " + config_.export_folder.string() +
             "; cannot read the database: " + opened.message();
    }
    connection_ = std::move(*opened);
  }
  // The line is informative only, so no error in reading it may end the service.
  try {
    auto facts = status::readStatusFacts(config_, *connection_);
    if (facts) {
      return describeActivity(config_.export_folder, *facts);
    }
    connection_.reset();  // reopened at the next report
    return "watching " + config_.export_folder.string() +
           "; cannot read the database: " + facts.message();
  } catch (const std::exception& e) {
    connection_.reset();
    return "watching " + config_.export_folder.string() + "; cannot read the status: " + e.what();
  }
}

void ActivityReporter::start() { schedule(); }

void ActivityReporter::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      manager_.status(line());
      schedule();
    }
  });
}

}  // namespace alur::service
