#include "service/watchdog.h"

#include "common/log.h"

namespace alur::service {
namespace {

long long wholeSeconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

}  // namespace

void WatchdogPinger::start() {
  logger("service")->info("watchdog enabled period={}s", wholeSeconds(period_));
  check();
}

void WatchdogPinger::check() {
  auto age = heartbeat_.age();
  if (age < period_) {
    manager_.watchdogPing();
    if (withheld_) {
      logger("service")->info("worker thread shows progress again; watchdog pings resume");
      withheld_ = false;
    }
  } else if (!withheld_) {
    logger("service")->error(
        "worker thread shows no progress for {}s, longer than the watchdog period of {}s; "
        "withholding the watchdog ping, so systemd restarts the service",
        wholeSeconds(age), wholeSeconds(period_));
    withheld_ = true;
  }
  timer_.expires_after(period_ / 2);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      check();
    }
  });
}

}  // namespace alur::service
