// The /health route: whether the service needs an operator, with the reasons.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "status/status_facts.h"

namespace alur::status {

struct Health {
  bool ok = true;
  std::vector<std::string> reasons;  // empty when ok
};

// Fails when a batch is failed, when every upload attempt of the last health_window_minutes
// failed, when the state folder's disk has less than min_free_megabytes free, or when no export
// was read for max_days_without_export days (counted from the service start before the first).
Health evaluateHealth(const config::Config& config, const StatusFacts& facts);

}  // namespace alur::status
