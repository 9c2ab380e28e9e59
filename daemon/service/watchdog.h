// systemd's watchdog, fed from the main loop on the word of the worker thread's heartbeat.
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "service/heartbeat.h"
#include "service/service_manager.h"

namespace alur::service {

// Sends the watchdog ping every half period while the worker thread's heartbeat is younger
// than the period. A worker that shows no progress for longer than the period gets no ping, so
// systemd kills the service and Restart=on-failure starts it again.
class WatchdogPinger {
 public:
  WatchdogPinger(boost::asio::io_context& io, ServiceManager& manager, const Heartbeat& heartbeat,
                 std::chrono::microseconds period)
      : manager_(manager), heartbeat_(heartbeat), period_(period), timer_(io) {}

  // Sends the first ping now and schedules the next ones on the io_context.
  void start();
  void stop() { timer_.cancel(); }

 private:
  void check();

  ServiceManager& manager_;
  const Heartbeat& heartbeat_;
  std::chrono::microseconds period_;
  boost::asio::steady_timer timer_;
  bool withheld_ = false;  // the last check found the worker without progress
};

}  // namespace alur::service
