// When the service will upload next, in words, for the status outputs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"
#include "store/store.h"

namespace alur::status {

// A batch waiting for a retry gives its next attempt; otherwise the schedule gives the next
// daily run (local time) or states that a batch follows the next export.
std::string nextUploadText(const config::Config& config,
                           const std::vector<store::BatchRow>& batches,
                           std::chrono::system_clock::time_point now);

}  // namespace alur::status
