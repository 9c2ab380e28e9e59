// Capped exponential backoff with full jitter: the delay before retry number `attempts` is drawn
// uniformly from [1 s, min(max, initial * 2^(attempts - 1))], so that many clients failing
// together do not retry together.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace alur {

inline std::chrono::seconds backoffDelay(int attempts, int initial_seconds, int max_seconds,
                                         std::mt19937_64& random) {
  double ceiling = initial_seconds * std::pow(2.0, std::clamp(attempts - 1, 0, 30));
  ceiling = std::max(1.0, std::min<double>(ceiling, max_seconds));
  std::uniform_real_distribution<double> jitter(1.0, ceiling);
  return std::chrono::seconds(static_cast<long>(jitter(random)));
}

}  // namespace alur
