#include "status/metrics.h"

#include <chrono>
#include <map>
#include <sstream>

#include "common/clock.h"

namespace alur::status {
namespace {

const char* const kLeaseStates[] = {"pending",    "batched",  "uploaded", "acknowledged",
                                    "integrated", "rejected", "invalid",  "out_of_scope"};
const char* const kBatchStates[] = {"built",    "uploading", "uploaded", "acknowledged",
                                    "reported", "certified", "failed"};

void writeHeader(std::ostringstream& out, const std::string& name, const std::string& type,
                 const std::string& help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// Label values come from the database; escape them as the format requires.
std::string escapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Writes one sample per known state, then one per state found in the database only.
template <typename Counts, std::size_t N>
void writeByState(std::ostringstream& out, const std::string& name, const char* const (&known)[N],
                  const Counts& counts) {
  std::map<std::string, long long> values;
  for (const char* state : known) {
    values[state] = 0;
  }
  for (const auto& [state, count] : counts) {
    values[state] = count;
  }
  for (const auto& [state, count] : values) {
    out << name << "{state=\"" << escapeLabel(state) << "\"} " << count << "\n";
  }
}

long long epochSeconds(const std::string& utc) {
  auto time = parseUtc(utc);
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// Writes a timestamp gauge; a time that never happened has no sample.
void writeTimestamp(std::ostringstream& out, const std::string& name, const std::string& help,
                    const std::string& utc) {
  writeHeader(out, name, "gauge", help);
  if (!utc.empty()) {
    out << name << " " << epochSeconds(utc) << "\n";
  }
}

}  // namespace

std::string renderMetrics(const StatusFacts& facts) {
  std::ostringstream out;
  writeHeader(out, "alur_leases", "gauge", "Leases in the database by state.");
  writeByState(out, "alur_leases", kLeaseStates, facts.leases_by_state);
  writeHeader(out, "alur_batches", "gauge", "Contribution files by state.");
  writeByState(out, "alur_batches", kBatchStates, facts.batches_by_state);

  writeHeader(out, "alur_uploads_total", "counter",
              "Upload attempts that ended, by result (ok, retry: transient failure, failed: "
              "permanent failure).");
  for (const auto& [result, count] : facts.uploads_by_result) {
    out << "alur_uploads_total{result=\"" << escapeLabel(result) << "\"} " << count << "\n";
  }

  writeTimestamp(out, "alur_last_upload_success_timestamp_seconds",
                 "Time of the last successful upload, in seconds since the Unix epoch.",
                 facts.last_upload_success_at);
  writeTimestamp(out, "alur_last_receipt_timestamp_seconds",
                 "Time the last receipt from the platform was collected, in seconds since the "
                 "Unix epoch.",
                 facts.last_receipt_at);
  writeTimestamp(out, "alur_last_email_success_timestamp_seconds",
                 "Time the mail server last accepted a notification, in seconds since the Unix "
                 "epoch.",
                 facts.last_email_at);
  writeHeader(out, "alur_emails_waiting", "gauge",
              "Notifications in the outbox that the mail server has not accepted yet.");
  out << "alur_emails_waiting " << facts.emails_waiting << "\n";

  writeTimestamp(out, "alur_server_certificate_expiry_timestamp_seconds",
                 "Expiry of the platform's TLS certificate seen at the last connection, in "
                 "seconds since the Unix epoch.",
                 facts.server_certificate_expires_at);

  writeHeader(out, "alur_queue_oldest_pending_age_seconds", "gauge",
              "Age of the oldest lease waiting for a batch, in seconds; 0 when none waits.");
  long long age = 0;
  if (!facts.oldest_pending_since.empty()) {
    age = std::max(0LL, epochSeconds(facts.now) - epochSeconds(facts.oldest_pending_since));
  }
  out << "alur_queue_oldest_pending_age_seconds " << age << "\n";

  writeHeader(out, "alur_disk_free_bytes", "gauge",
              "Free space of the file system of the state folder, in bytes.");
  if (facts.disk_free_bytes) {
    out << "alur_disk_free_bytes " << *facts.disk_free_bytes << "\n";
  }
  writeTimestamp(out, "alur_process_start_time_seconds",
                 "Start time of the service, in seconds since the Unix epoch.", facts.started_at);
  return out.str();
}

}  // namespace alur::status
