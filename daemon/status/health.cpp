#include "status/health.h"

#include <chrono>

#include "common/clock.h"

namespace alur::status {
namespace {

void checkBatches(const StatusFacts& facts, Health& health) {
  for (const auto& batch : facts.batches) {
    if (batch.state == "failed") {
      health.reasons.push_back("batch " + batch.file_name + " failed: " + batch.last_error +
                               "; fix the cause, then run alur-relay resend");
    }
  }
  auto failed = facts.batches_by_state.find("failed");
  int listed = 0;
  for (const auto& batch : facts.batches) {
    listed += batch.state == "failed" ? 1 : 0;
  }
  if (failed != facts.batches_by_state.end() && failed->second > listed) {
    health.reasons.push_back(std::to_string(failed->second - listed) +
                             " older failed batch(es); run alur-relay status for the list");
  }
}

void checkUploads(const config::Config& config, const StatusFacts& facts, Health& health) {
  if (facts.attempts_in_window == 0 || facts.successes_in_window > 0) {
    return;
  }
  std::string reason = "the " + std::to_string(facts.attempts_in_window) +
                       " upload attempt(s) of the last " +
                       std::to_string(config.status.health_window_minutes) + " minutes failed";
  if (facts.last_upload && !facts.last_upload->message.empty()) {
    reason += ": " + facts.last_upload->message;
  }
  health.reasons.push_back(reason);
}

// Receipts and e-mail record their failures with the time they started; a failure that lasts
// longer than the window makes the service unhealthy.
void checkLastingFailures(const config::Config& config, const StatusFacts& facts, Health& health) {
  auto window = std::chrono::minutes(config.status.health_window_minutes);
  for (const auto& failure : facts.failing) {
    if (failure.part != "receipts" && failure.part != "email") {
      continue;
    }
    if (!failure.since.empty() &&
        std::chrono::system_clock::now() - parseUtc(failure.since) < window) {
      continue;
    }
    health.reasons.push_back(
        (failure.part == "email" ? "notifications failing since " : "receipts failing since ") +
        failure.since + ": " + failure.error);
  }
}

void checkDisk(const config::Config& config, const StatusFacts& facts, Health& health) {
  for (const auto& failure : facts.failing) {
    if (failure.part == "disk") {
      health.reasons.push_back(failure.error);
    }
  }
  if (!facts.disk_free_bytes) {
    health.reasons.push_back("cannot measure the free space of " + config.state_dir.string());
  }
}

void checkExports(const config::Config& config, const StatusFacts& facts, Health& health) {
  int max_days = config.status.max_days_without_export;
  if (max_days == 0) {
    return;
  }
  std::string last = facts.last_import ? facts.last_import->imported_at : facts.started_at;
  if (last.empty()) {
    return;
  }
  auto age = std::chrono::system_clock::now() - parseUtc(last);
  if (age > std::chrono::hours(24) * max_days) {
    std::string what = facts.last_import ? "no export read since " : "no export read at all since ";
    health.reasons.push_back(what + last +
                             " (status.max_days_without_export = " + std::to_string(max_days) +
                             "); check the export of the management "
                             "software into " +
                             config.export_folder.string());
  }
}

// Days before its expiry from which the platform's certificate makes /health fail.
constexpr int kCertificateHealthDays = 14;

void checkCertificate(const StatusFacts& facts, Health& health) {
  if (facts.server_certificate_expires_at.empty()) {
    return;
  }
  auto left = parseUtc(facts.server_certificate_expires_at) - std::chrono::system_clock::now();
  if (left < std::chrono::hours(24) * kCertificateHealthDays) {
    health.reasons.push_back("the platform's TLS certificate expires at " +
                             facts.server_certificate_expires_at +
                             "; ask the platform to renew it before uploads fail");
  }
}

}  // namespace

Health evaluateHealth(const config::Config& config, const StatusFacts& facts) {
  Health health;
  checkBatches(facts, health);
  checkUploads(config, facts, health);
  checkLastingFailures(config, facts, health);
  checkDisk(config, facts, health);
  checkExports(config, facts, health);
  checkCertificate(facts, health);
  health.ok = health.reasons.empty();
  return health;
}

}  // namespace alur::status
