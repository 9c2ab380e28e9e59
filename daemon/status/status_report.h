// The text of `alur-relay status`: the state of the queue in plain words, read from the
// database without blocking the running service.
#pragma once

#include <string>

#include "common/status.h"
#include "config/config.h"

namespace alur::status {

Result<std::string> renderStatus(const config::Config& config);

}  // namespace alur::status
