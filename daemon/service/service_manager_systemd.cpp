#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>

#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "service/service_manager.h"

namespace alur::service {
namespace {

// Replaces line breaks, which would end the STATUS= field of the notification.
std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

// CLOCK_MONOTONIC in microseconds, which systemd 253 and later expect with RELOADING=1.
std::uint64_t monotonicMicroseconds() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000U +
         static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
}

class SystemdManager final : public ServiceManager {
 public:
  void ready(const std::string& status) override { send("READY=1\nSTATUS=" + oneLine(status)); }

  void reloading() override {
    send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" +
         std::to_string(monotonicMicroseconds()));
  }

  void stopping() override { send("STOPPING=1\nSTATUS=stopping"); }

  void status(const std::string& text) override { send("STATUS=" + oneLine(text)); }

  std::optional<std::chrono::microseconds> watchdogPeriod() const override {
    std::uint64_t usec = 0;
    // Returns > 0 when WATCHDOG_USEC is set and WATCHDOG_PID, if set, names this process.
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
      return std::nullopt;
    }
    return std::chrono::microseconds(usec);
  }

  void watchdogPing() override { send("WATCHDOG=1"); }

 private:
  // Sends one notification. A failure is logged once per error code, because systemd
  // reads a missed READY=1 as a failed start and a missed ping as a hung service.
  void send(const std::string& message) {
    int sent = sd_notify(0, message.c_str());
    if (sent >= 0 || sent == last_error_) {
      return;
    }
    last_error_ = sent;
    logger("service")->warn("cannot notify systemd message=\"{}\" error=\"{}\"",
                            message.substr(0, message.find('\n')), std::strerror(-sent));
  }

  int last_error_ = 0;
};

}  // namespace

std::unique_ptr<ServiceManager> makePlatformManager() { return std::make_unique<SystemdManager>(); }

}  // namespace alur::service
