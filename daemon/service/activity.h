// The one-line status that systemd shows for the running service (systemctl status), e.g.
// "watching /srv/exports, 12 leases queued, 1 batch awaiting receipts".
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "service/service_manager.h"
#include "status/status_facts.h"
#include "store/store.h"

namespace alur::service {

// Describes what the service does from the facts of the status command: the folder it
// watches, the leases waiting for a batch, the batches on their way and the failing parts.
std::string describeActivity(const std::filesystem::path& export_folder,
                             const status::StatusFacts& facts);

// Sends the activity line to the service manager every `interval`, reading the facts through
// its own read-only connection to the database, as the status endpoint does.
class ActivityReporter {
 public:
  ActivityReporter(boost::asio::io_context& io, ServiceManager& manager,
                   const config::Config& config, std::chrono::seconds interval)
      : manager_(manager), config_(config), interval_(interval), timer_(io) {}

  // Returns the current activity line, or a line with the error when the facts cannot be read.
  std::string line();

  // Schedules the first report after one interval, and then one per interval.
  void start();
  void stop() { timer_.cancel(); }

 private:
  void schedule();

  ServiceManager& manager_;
  const config::Config& config_;
  std::chrono::seconds interval_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<store::Store> connection_;
};

}  // namespace alur::service
