// The /metrics route, in the Prometheus text exposition format 0.0.4.
#pragma once

#include <string>

#include "status/status_facts.h"

namespace alur::status {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string renderMetrics(const StatusFacts& facts);

}  // namespace alur::status
