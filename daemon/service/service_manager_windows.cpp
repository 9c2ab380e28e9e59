#include "service/service_manager.h"

namespace alur::service {
namespace {

// A manager that does nothing: the service control manager is reached through RunHooks, and
// nothing watches a run from a console.
class NoManager : public ServiceManager {
 public:
  void ready(const std::string& /*status*/) override {}
  void reloading() override {}
  void stopping() override {}
  void status(const std::string& /*text*/) override {}
  std::optional<std::chrono::microseconds> watchdogPeriod() const override { return std::nullopt; }
  void watchdogPing() override {}
};

}  // namespace

std::unique_ptr<ServiceManager> makePlatformManager() { return std::make_unique<NoManager>(); }

}  // namespace alur::service
