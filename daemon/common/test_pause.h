// A test hook that stops the process at a named point, so that a crash test can kill it exactly
// there (tests/crash). It does nothing unless the environment variable ALUR_TEST_PAUSE_AT is set.
#pragma once

#include <string_view>

namespace alur {

// When ALUR_TEST_PAUSE_AT equals `point`, writes "paused at test point POINT" to stderr and
// blocks the calling thread until the process is killed. When the variable is unset or names
// another point, returns at once and changes nothing.
void pauseAtTestPoint(std::string_view point);

}  // namespace alur
