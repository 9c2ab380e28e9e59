#include <array>
#include <cerrno>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include "service/folder_watcher.h"

namespace alur::service {
namespace {

class InotifyWatcher : public FolderWatcher {
 public:
  InotifyWatcher(boost::asio::io_context& io, int fd, std::filesystem::path folder,
                 ChangeHandler on_change, OverflowHandler on_overflow)
      : stream_(io, fd),
        folder_(std::move(folder)),
        on_change_(std::move(on_change)),
        on_overflow_(std::move(on_overflow)) {}

  void read() {
    stream_.async_read_some(boost::asio::buffer(buffer_),
                            [this](const boost::system::error_code& ec, std::size_t size) {
                              if (ec) {
                                return;  // cancelled by stop(), or the descriptor is gone
                              }
                              dispatch(size);
                              read();
                            });
  }

  void stop() override {
    boost::system::error_code ignored;
    stream_.close(ignored);
  }

 private:
  void dispatch(std::size_t size) {
    std::size_t offset = 0;
    while (offset + sizeof(inotify_event) <= size) {
      inotify_event event{};
      std::memcpy(&event, buffer_.data() + offset, sizeof event);
      const char* name = buffer_.data() + offset + sizeof(inotify_event);
      if ((event.mask & IN_Q_OVERFLOW) != 0) {
        on_overflow_();
      } else if (event.len > 0 && (event.mask & IN_ISDIR) == 0) {
        on_change_(folder_ / std::string(name, strnlen(name, event.len)));
      }
      offset += sizeof(inotify_event) + event.len;
    }
  }

  boost::asio::posix::stream_descriptor stream_;
  std::filesystem::path folder_;
  ChangeHandler on_change_;
  OverflowHandler on_overflow_;
  alignas(inotify_event) std::array<char, 64 * 1024> buffer_{};
};

}  // namespace

Result<std::unique_ptr<FolderWatcher>> FolderWatcher::start(boost::asio::io_context& io,
                                                            const std::filesystem::path& folder,
                                                            ChangeHandler on_change,
                                                            OverflowHandler on_overflow) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Status::Error(std::string("inotify_init1 failed: ") + std::strerror(errno));
  }
  uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY;
  if (inotify_add_watch(fd, folder.c_str(), mask) < 0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    return Status::Error("cannot watch " + folder.string() + ": " + error +
                         " (the periodic rescan still finds new exports)");
  }
  auto watcher = std::make_unique<InotifyWatcher>(io, fd, folder, std::move(on_change),
                                                  std::move(on_overflow));
  watcher->read();
  return std::unique_ptr<FolderWatcher>(std::move(watcher));
}

}  // namespace alur::service
