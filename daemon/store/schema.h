#pragma once

#include <vector>

namespace alur::store {

// SQL scripts, one per schema version step; their count is the current schema version.
const std::vector<const char*>& migrations();

}  // namespace alur::store
