// Native change notifications for the export folder. They only speed things up: the run loop
// also rescans the folder at start and periodically, because events are lost on network shares,
// on queue overflow and while the service is stopped.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/status.h"

namespace alur::service {

class FolderWatcher {
 public:
  // `on_change` receives a file that was written, closed or moved into the folder;
  // `on_overflow` is called when the system dropped events and a full rescan is needed.
  using ChangeHandler = std::function<void(const std::filesystem::path&)>;
  using OverflowHandler = std::function<void()>;

  virtual ~FolderWatcher() = default;
  virtual void stop() = 0;

  static Result<std::unique_ptr<FolderWatcher>> start(boost::asio::io_context& io,
                                                      const std::filesystem::path& folder,
                                                      ChangeHandler on_change,
                                                      OverflowHandler on_overflow);
};

}  // namespace alur::service
