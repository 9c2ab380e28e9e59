// A Clock that moves only when a test tells it to, for simulating days of retries in
// milliseconds.
#pragma once

#include <chrono>

#include "common/clock.h"

namespace alur::testing {

class ManualClock : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : now_(start) {}

  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }

  // Moves both clocks forward by `step`.
  void advance(std::chrono::system_clock::duration step) { now_ += step; }
  // Sets the wall clock, for example to a next attempt time read from the database.
  void set(std::chrono::system_clock::time_point time) { now_ = time; }

 private:
  std::chrono::system_clock::time_point now_;
};

}  // namespace alur::testing
