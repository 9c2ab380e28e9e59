#include "status/status_json.h"

#include <charconv>

namespace alur::status {
namespace {

using nlohmann::json;

// An empty text is written as null, so that readers test for absence in one way.
json textOrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json serviceJson(const StatusFacts& facts) {
  json pid = nullptr;
  long value = 0;
  const char* end = facts.pid.data() + facts.pid.size();
  if (facts.running && std::from_chars(facts.pid.data(), end, value).ptr == end && value > 0) {
    pid = value;
  }
  return {{"running", facts.running},
          {"pid", pid},
          {"started_at", textOrNull(facts.started_at)},
          {"version", facts.version}};
}

json importJson(const std::optional<ImportFacts>& import) {
  if (!import) {
    return nullptr;
  }
  return {{"path", import->path},          {"imported_at", import->imported_at},
          {"rows", import->rows},          {"valid", import->valid},
          {"invalid", import->invalid},    {"out_of_scope", import->out_of_scope},
          {"new", import->new_leases},     {"changed", import->changed},
          {"unchanged", import->unchanged}};
}

json uploadJson(const std::optional<UploadFacts>& upload) {
  if (!upload) {
    return nullptr;
  }
  return {{"at", upload->at},
          {"result", upload->result},
          {"batch", upload->batch},
          {"message", textOrNull(upload->message)}};
}

json batchesJson(const std::vector<store::BatchRow>& batches) {
  json out = json::array();
  for (const auto& b : batches) {
    out.push_back({{"file_name", b.file_name},
                   {"state", b.state},
                   {"leases", b.lease_count},
                   {"created_at", b.created_at},
                   {"uploaded_at", textOrNull(b.uploaded_at)},
                   {"attempts", b.attempts},
                   {"last_error", textOrNull(b.last_error)},
                   {"next_attempt_at", textOrNull(b.next_attempt_at)},
                   {"certificate_path", textOrNull(b.certificate_path)}});
  }
  return out;
}

json leasesJson(const StatusFacts& facts) {
  json out = json::array();
  for (const auto& lease : facts.leases_to_correct) {
    out.push_back({{"dwelling_id", lease.dwelling_id},
                   {"state", lease.state},
                   {"code", textOrNull(lease.code)},
                   {"message", lease.message}});
  }
  return out;
}

json failingJson(const StatusFacts& facts) {
  json out = json::array();
  for (const auto& failure : facts.failing) {
    out.push_back(
        {{"part", failure.part}, {"error", failure.error}, {"since", textOrNull(failure.since)}});
  }
  return out;
}

}  // namespace

nlohmann::json statusJson(const StatusFacts& facts) {
  json states = json::object();
  for (const auto& [state, count] : facts.leases_by_state) {
    states[state] = count;
  }
  json certificates = json::array();
  for (const auto& [batch, path] : facts.certificates) {
    certificates.push_back({{"batch", batch}, {"path", path}});
  }
  return {{"service", serviceJson(facts)},
          {"config", facts.config_path},
          {"export_folder", facts.export_folder},
          {"last_import", importJson(facts.last_import)},
          {"leases_by_state", states},
          {"oldest_pending_since", textOrNull(facts.oldest_pending_since)},
          {"server_certificate_expires_at", textOrNull(facts.server_certificate_expires_at)},
          {"last_upload", uploadJson(facts.last_upload)},
          {"batches", batchesJson(facts.batches)},
          {"leases_to_correct", leasesJson(facts)},
          {"quarantined", facts.quarantined},
          {"certificates", certificates},
          {"postal_table_edition", textOrNull(facts.postal_table_edition)},
          {"email",
           {{"enabled", facts.email_enabled},
            {"last_sent_at", textOrNull(facts.last_email_at)},
            {"waiting", facts.emails_waiting}}},
          {"failing", failingJson(facts)}};
}

Result<std::string> renderStatusJson(const config::Config& config) {
  auto facts = readStatusFacts(config);
  if (!facts) {
    return facts.status();
  }
  return statusJson(*facts).dump(2) + "\n";
}

}  // namespace alur::status
