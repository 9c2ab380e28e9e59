// `alur-relay status --json` and the /status route: the facts of the status text as one JSON
// document. docs/status.md describes every field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "config/config.h"
#include "status/status_facts.h"

namespace alur::status {

nlohmann::json statusJson(const StatusFacts& facts);

// Reads the facts read-only and returns the JSON document, indented by two spaces.
Result<std::string> renderStatusJson(const config::Config& config);

}  // namespace alur::status
