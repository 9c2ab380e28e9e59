// The liveness signal of the worker thread, read by the main thread to decide whether to send
// systemd's watchdog ping.
#pragma once

#include <atomic>
#include <chrono>

namespace alur::service {

// The time of the worker thread's last sign of progress. The worker stamps it at each tick, and
// libcurl's progress callback stamps it during a transfer. Safe to use from any thread.
class Heartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  Heartbeat() { beat(); }

  void beat() {
    last_beat_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }

  // Time since the last beat.
  Clock::duration age() const {
    Clock::duration last(last_beat_.load(std::memory_order_relaxed));
    return Clock::now().time_since_epoch() - last;
  }

 private:
  std::atomic<Clock::rep> last_beat_{0};  // Clock ticks since its epoch
};

}  // namespace alur::service
