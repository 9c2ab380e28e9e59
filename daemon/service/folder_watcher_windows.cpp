// ReadDirectoryChangesW on the export folder, completed through the io_context's I/O completion
// port. A zero-byte completion or ERROR_NOTIFY_ENUM_DIR means that the system's buffer
// overflowed and events were lost: the owner is told to rescan the folder.
#include <array>
#include <atomic>
#include <cstring>
#include <memory>

#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/asio/windows/stream_handle.hpp>

#include "common/log.h"
#include "common/win32.h"
#include "service/folder_watcher.h"

#include <windows.h>

namespace alur::service {
namespace {

constexpr DWORD kFilter =
    FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE;

// 64 KiB is the largest buffer that ReadDirectoryChangesW accepts for a folder on a network share.
constexpr std::size_t kBufferBytes = 64 * 1024;

// What a pending read needs. Shared with its completion handler, so that the kernel's buffer and
// the callbacks stay valid even when the watcher is destroyed before the cancelled read
// completes.
struct WatchState {
  std::filesystem::path folder;
  FolderWatcher::ChangeHandler on_change;
  FolderWatcher::OverflowHandler on_overflow;
  std::atomic<bool> stopped = false;
  alignas(DWORD) std::array<char, kBufferBytes> buffer{};
};

class DirectoryChangesWatcher : public FolderWatcher {
 public:
  DirectoryChangesWatcher(boost::asio::io_context& io, HANDLE folder_handle,
                          std::shared_ptr<WatchState> state)
      : handle_(io, folder_handle), state_(std::move(state)) {}

  ~DirectoryChangesWatcher() override { stop(); }

  void read() { read(handle_, state_); }

  void stop() override {
    state_->stopped = true;
    if (handle_.is_open()) {
      boost::system::error_code ignored;
      handle_.cancel(ignored);
      handle_.close(ignored);
    }
  }

 private:
  static void read(boost::asio::windows::stream_handle& handle,
                   const std::shared_ptr<WatchState>& state) {
    boost::asio::windows::overlapped_ptr operation(
        handle.get_executor(),
        [&handle, state](const boost::system::error_code& ec, std::size_t size) {
          complete(handle, state, ec, size);
        });
    BOOL started = ::ReadDirectoryChangesW(handle.native_handle(), state->buffer.data(),
                                           static_cast<DWORD>(state->buffer.size()), FALSE, kFilter,
                                           nullptr, operation.get(), nullptr);
    DWORD error = ::GetLastError();
    if (!started && error != ERROR_IO_PENDING) {
      operation.complete(boost::system::error_code(static_cast<int>(error),
                                                   boost::asio::error::get_system_category()),
                         0);
      return;
    }
    operation.release();
  }

  static void complete(boost::asio::windows::stream_handle& handle,
                       const std::shared_ptr<WatchState>& state,
                       const boost::system::error_code& ec, std::size_t size) {
    if (state->stopped || ec == boost::asio::error::operation_aborted) {
      return;
    }
    if (ec.value() == ERROR_NOTIFY_ENUM_DIR || (!ec && size == 0)) {
      state->on_overflow();
      read(handle, state);
      return;
    }
    if (ec) {
      // The folder was removed, or its share went away. The periodic rescan goes on.
      logger("watch")->warn(
          "watching {} stopped error=\"{}\"; the periodic rescan still finds new exports",
          win32::utf8Path(state->folder), win32::errorText(static_cast<DWORD>(ec.value())));
      return;
    }
    dispatch(*state, size);
    read(handle, state);
  }

  static void dispatch(WatchState& state, std::size_t size) {
    std::size_t offset = 0;
    while (offset + sizeof(FILE_NOTIFY_INFORMATION) <= size) {
      FILE_NOTIFY_INFORMATION entry{};
      std::memcpy(&entry, state.buffer.data() + offset, sizeof entry);
      std::size_t name_offset = offset + offsetof(FILE_NOTIFY_INFORMATION, FileName);
      if (name_offset + entry.FileNameLength > size) {
        break;
      }
      std::wstring name(entry.FileNameLength / sizeof(wchar_t), L'\0');
      std::memcpy(name.data(), state.buffer.data() + name_offset, entry.FileNameLength);
      if (entry.Action == FILE_ACTION_ADDED || entry.Action == FILE_ACTION_MODIFIED ||
          entry.Action == FILE_ACTION_RENAMED_NEW_NAME) {
        state.on_change(state.folder / name);
      }
      if (entry.NextEntryOffset == 0) {
        break;
      }
      offset += entry.NextEntryOffset;
    }
  }

  boost::asio::windows::stream_handle handle_;
  std::shared_ptr<WatchState> state_;
};

}  // namespace

Result<std::unique_ptr<FolderWatcher>> FolderWatcher::start(boost::asio::io_context& io,
                                                            const std::filesystem::path& folder,
                                                            ChangeHandler on_change,
                                                            OverflowHandler on_overflow) {
  HANDLE handle = ::CreateFileW(
      folder.c_str(), FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
      nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return Status::Error("cannot watch " + win32::utf8Path(folder) + ": " + win32::lastErrorText() +
                         " (the periodic rescan still finds new exports)");
  }
  auto state = std::make_shared<WatchState>();
  state->folder = folder;
  state->on_change = std::move(on_change);
  state->on_overflow = std::move(on_overflow);
  auto watcher = std::make_unique<DirectoryChangesWatcher>(io, handle, std::move(state));
  watcher->read();
  return std::unique_ptr<FolderWatcher>(std::move(watcher));
}

}  // namespace alur::service
