// The routes of the status endpoint, independent of the HTTP library: a request's method and
// target in, a status code, headers and body out.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "store/store.h"

namespace alur::status {

struct Reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers GET /, /status, /health, /metrics and /certificates/<batch file name>. Any other path
// gets 404 and any other method 405. A certificate is served only for a batch that the database
// lists with an archived certificate, from the path the database records.
Reply routeRequest(const std::string& method, const std::string& target,
                   const config::Config& config, store::Store& store);

// The reply for a request that cannot be answered, e.g. 400 for a malformed request.
Reply errorReply(unsigned status, const std::string& text);

}  // namespace alur::status
