#include "status/routes.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "status/health.h"
#include "status/metrics.h"
#include "status/page.h"
#include "status/status_json.h"

namespace alur::status {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kCertificatePrefix = "/certificates/";
// Certificates of the platform are a few hundred kilobytes; a larger file is not served.
constexpr std::uintmax_t kMaxCertificateBytes = 32u << 20;

Reply jsonReply(unsigned status, const nlohmann::json& body) {
  return {status, kJson, body.dump(2) + "\n", {}};
}

Reply healthReply(const config::Config& config, const StatusFacts& facts) {
  Health health = evaluateHealth(config, facts);
  if (health.ok) {
    return jsonReply(200, {{"status", "ok"}});
  }
  return jsonReply(503, {{"status", "failing"}, {"reasons", health.reasons}});
}

// Batch file names are letters, digits, '_' and '.'; anything else cannot name a batch.
bool isBatchName(const std::string& name) {
  if (name.empty() || name.size() > 100) {
    return false;
  }
  for (char c : name) {
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-';
    if (!allowed) {
      return false;
    }
  }
  return name.find("..") == std::string::npos;
}

Reply certificateReply(const std::string& name, store::Store& store) {
  if (!isBatchName(name)) {
    return errorReply(404, "no certificate for this name");
  }
  auto batch = store.batchByName(name);
  if (!batch) {
    return errorReply(500, batch.message());
  }
  if (!*batch || (*batch)->certificate_path.empty()) {
    return errorReply(404, "no certificate for batch " + name);
  }
  const std::string& path = (*batch)->certificate_path;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxCertificateBytes) {
    return errorReply(404, "the certificate of batch " + name + " is not in the archive");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) {
    return errorReply(500, "cannot read the certificate of batch " + name);
  }
  std::string file_name = name.substr(0, name.rfind('.')) + ".pdf";
  return {200,
          "application/pdf",
          bytes.str(),
          {{"Content-Disposition", "inline; filename=\"" + file_name + "\""}}};
}

}  // namespace

Reply errorReply(unsigned status, const std::string& text) {
  return {status, "text/plain; charset=utf-8", text + "\n", {}};
}

Reply routeRequest(const std::string& method, const std::string& target,
                   const config::Config& config, store::Store& store) {
  std::string path = target.substr(0, target.find('?'));
  bool certificate = path.rfind(kCertificatePrefix, 0) == 0;
  bool known = path == "/" || path == "/status" || path == "/health" || path == "/metrics";
  if (!known && !certificate) {
    return errorReply(404, "not found: the routes are /, /status, /health and /metrics");
  }
  if (method != "GET") {
    Reply reply = errorReply(405, "method " + method + " not allowed; use GET");
    reply.headers.emplace_back("Allow", "GET");
    return reply;
  }
  if (certificate) {
    return certificateReply(path.substr(std::string(kCertificatePrefix).size()), store);
  }
  auto facts = readStatusFacts(config, store);
  if (!facts && path == "/health") {
    return jsonReply(
        503, {{"status", "failing"}, {"reasons", {"cannot read the status: " + facts.message()}}});
  }
  if (!facts) {
    return errorReply(503, "cannot read the status: " + facts.message());
  }
  if (path == "/status") {
    return jsonReply(200, statusJson(*facts));
  }
  if (path == "/health") {
    return healthReply(config, *facts);
  }
  if (path == "/metrics") {
    return {200, kMetricsContentType, renderMetrics(*facts), {}};
  }
  return {200, "text/html; charset=utf-8", renderPage(*facts), {}};
}

}  // namespace alur::status
