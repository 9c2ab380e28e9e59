#include "status/status_report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "common/state_lock.h"
#include "lease/record_json.h"
#include "schedule/stored_schedule.h"
#include "status/next_upload.h"
#include "status/status_facts.h"
#include "store/store.h"

namespace alur::status {
namespace {

// Words for the lease states, in the order a lease goes through them.
const std::vector<std::pair<std::string, std::string>>& leaseStateWords() {
  static const std::vector<std::pair<std::string, std::string>> words = {
      {"pending", "waiting for the next batch"},
      {"batched", "in a batch not yet uploaded"},
      {"uploaded", "uploaded, waiting for the acknowledgement"},
      {"acknowledged", "acknowledged, waiting for the report"},
      {"integrated", "integrated by the platform"},
      {"rejected", "rejected by the platform (to correct)"},
      {"invalid", "invalid (to correct in the management software)"},
      {"out_of_scope", "out of scope (never sent)"},
  };
  return words;
}

// The platform's reason for a rejected lease, else the validator's first error message.
std::string firstReason(const store::LeaseView& lease) {
  if (!lease.platform_reason.empty()) {
    return "Logement " + lease.dwelling_id +
           " : refusé par la plateforme : " + lease.platform_reason;
  }
  for (const auto& issue : lease::issuesFromJson(lease.issues_json)) {
    if (issue.severity == lease::Severity::kError) {
      return issue.message;
    }
  }
  return "Logement " + lease.dwelling_id;
}

}  // namespace

Result<std::string> renderStatus(const config::Config& config) {
  auto store = store::Store::openReadOnly(config.databasePath());
  if (!store) {
    return store.status();
  }
  auto overview = (*store)->overview();
  if (!overview) {
    if (overview.message().find("readonly") != std::string::npos) {
      return Status::Error(overview.message() +
                           "; reading a database in WAL mode needs write access to its folder: "
                           "run status as the service account or as root");
    }
    return overview.status();
  }
  std::ostringstream out;
  auto started_at = (*store)->getMeta("started_at");
  auto pid = (*store)->getMeta("pid");
  auto edition = (*store)->getMeta("postal_table_edition");
  out << "alur-relay " << ALUR_VERSION << "\n";
  if (isStateFolderLocked(config.state_dir)) {
    out << "Service:        running (pid " << pid.value_or("?") << ", since "
        << started_at.value_or("?") << ")\n";
  } else {
    out << "Service:        stopped";
    if (started_at && !started_at->empty()) {
      out << " (last started " << *started_at << ")";
    }
    out << "\n";
  }
  out << "Configuration:  " << config.source.string() << "\n"
      << "Export folder:  " << config.export_folder.string() << "\n"
      << "Database:       " << config.databasePath().string() << "\n"
      << "Postal table:   " << (edition && !edition->empty() ? *edition : "not recorded yet")
      << "\n\n";

  std::map<std::string, int> counts(overview->leases_by_state.begin(),
                                    overview->leases_by_state.end());
  int total = 0;
  for (const auto& [state, count] : counts) {
    total += count;
  }
  out << "Leases: " << total << "\n";
  for (const auto& [state, words] : leaseStateWords()) {
    if (counts.count(state) > 0) {
      out << "  " << counts[state] << " " << words << "\n";
      counts.erase(state);
    }
  }
  for (const auto& [state, count] : counts) {
    out << "  " << count << " in state " << state << "\n";
  }
  if (!overview->oldest_pending_since.empty()) {
    out << "  oldest waiting lease queued at " << overview->oldest_pending_since << "\n";
  }

  out << "\nLast files read:\n";
  if (overview->recent_imports.empty()) {
    out << "  none yet\n";
  }
  for (const auto& i : overview->recent_imports) {
    out << "  " << i.path << " (imported " << i.imported_at << "): " << i.rows << " leases, "
        << i.valid << " valid, " << i.invalid << " invalid, " << i.out_of_scope << " out of scope; "
        << i.new_leases << " new, " << i.changed << " changed, " << i.unchanged << " unchanged\n";
  }

  auto last_run = schedule::loadLastRun(**store);
  out << "\nNext upload: "
      << nextUploadText(config, overview->batches, last_run.value_or(std::nullopt),
                        std::chrono::system_clock::now())
      << "\n";
  auto certificate = (*store)->getMeta("server_certificate_expires_at");
  if (certificate && !certificate->empty()) {
    out << "Platform TLS certificate expires at " << *certificate << "\n";
  }
  out << "Last upload: ";
  if (overview->last_upload_at.empty()) {
    out << "none yet\n";
  } else {
    out << overview->last_upload_at << " " << overview->last_upload_result;
    if (!overview->last_upload_message.empty()) {
      out << ": " << overview->last_upload_message;
    }
    out << "\n";
  }

  auto facts = readStatusFacts(config, **store);
  if (facts) {
    out << "E-mail: ";
    if (!facts->email_enabled) {
      out << "off (no email.server in the configuration)\n";
    } else {
      out << "to " << config.email.server << ":" << config.email.port << ", last sent "
          << (facts->last_email_at.empty() ? "never" : facts->last_email_at) << ", "
          << facts->emails_waiting << " waiting\n";
    }
    out << "\nFailing: " << (facts->failing.empty() ? "nothing\n" : "\n");
    for (const auto& failure : facts->failing) {
      out << "  " << failure.part << " since " << (failure.since.empty() ? "?" : failure.since)
          << ": " << failure.error << "\n";
    }
  }

  out << "\nBatches (newest first):\n";
  if (overview->batches.empty()) {
    out << "  none yet\n";
  }
  for (const auto& b : overview->batches) {
    out << "  " << b.file_name << "  " << b.state << "  " << b.lease_count << " leases, built "
        << b.created_at;
    if (!b.uploaded_at.empty()) {
      out << ", uploaded " << b.uploaded_at;
    }
    if (b.attempts > 1) {
      out << ", " << b.attempts << " attempts";
    }
    if (!b.last_error.empty() && b.state != "certified") {
      out << "\n      last error: " << b.last_error;
      if (!b.next_attempt_at.empty()) {
        out << " (next attempt " << b.next_attempt_at << ")";
      }
    }
    out << "\n";
  }

  auto invalid = (*store)->leasesInState("invalid");
  auto rejected = (*store)->leasesInState("rejected");
  if (invalid && rejected && (!invalid->empty() || !rejected->empty())) {
    out << "\nLeases to correct in the management software (first 10):\n";
    int shown = 0;
    for (const auto* list : {&*rejected, &*invalid}) {
      for (const auto& lease : *list) {
        if (shown++ == 10) {
          break;
        }
        out << "  " << firstReason(lease) << "\n";
      }
    }
  }

  std::error_code ec;
  std::vector<std::string> quarantined;
  for (const auto& entry : std::filesystem::directory_iterator(config.quarantineDir(), ec)) {
    if (entry.path().extension() == ".txt") {
      quarantined.push_back(entry.path().string());
    }
  }
  if (!quarantined.empty()) {
    std::sort(quarantined.begin(), quarantined.end());
    out << "\nExports not imported (quarantine; the reason is in each file):\n";
    for (const auto& path : quarantined) {
      out << "  " << path << "\n";
    }
  }

  out << "\nCertificates:\n";
  bool any = false;
  for (const auto& b : overview->batches) {
    if (!b.certificate_path.empty()) {
      out << "  " << b.file_name << ": " << b.certificate_path << "\n";
      any = true;
    }
  }
  if (!any) {
    out << "  none yet\n";
  }
  return out.str();
}

}  // namespace alur::status
