#include "common/test_pause.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace alur {

void pauseAtTestPoint(std::string_view point) {
  static const char* const requested = std::getenv("ALUR_TEST_PAUSE_AT");
  if (requested == nullptr || point != requested) {
    return;
  }
  std::string line = "paused at test point " + std::string(point) + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  while (true) {
    std::this_thread::sleep_for(std::chrono::hours(1));
  }
}

}  // namespace alur
