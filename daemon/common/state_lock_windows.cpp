#include <string>

#include <fcntl.h>

#include "common/state_lock.h"
#include "common/win32.h"

#include <io.h>
#include <windows.h>

namespace alur {
namespace {

// The lock covers one byte far past the end of the file, so that readers of the pid written at
// its start are not blocked by it. Windows releases the lock when the process ends.
constexpr DWORD kLockOffsetHigh = 1;

win32::UniqueHandle openLockFile(const std::filesystem::path& path, DWORD creation) {
  return win32::UniqueHandle(::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                           nullptr, creation, FILE_ATTRIBUTE_NORMAL, nullptr));
}

bool tryLock(HANDLE file) {
  OVERLAPPED range{};
  range.OffsetHigh = kLockOffsetHigh;
  return ::LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &range) !=
         0;
}

}  // namespace

Result<int> lockStateFolder(const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  std::filesystem::path path = state_dir / "alur-relay.lock";
  win32::UniqueHandle file = openLockFile(path, OPEN_ALWAYS);
  if (!file.valid()) {
    return Status::Error("cannot open " + win32::utf8Path(path) + ": " + win32::lastErrorText() +
                         "; the service account needs write access to " +
                         win32::utf8Path(state_dir));
  }
  if (!tryLock(file.get())) {
    return Status::Error("another alur-relay process already runs with the state folder " +
                         win32::utf8Path(state_dir) + "; stop it first (sc stop alur-relay)");
  }
  // The pid in the file is only informative; the lock is what matters.
  std::string pid = std::to_string(::GetCurrentProcessId()) + "\r\n";
  DWORD written = 0;
  ::SetEndOfFile(file.get());
  ::WriteFile(file.get(), pid.data(), static_cast<DWORD>(pid.size()), &written, nullptr);

  // The caller keeps a C runtime descriptor, as on POSIX; closing it closes the handle.
  int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(file.get()), _O_RDWR);
  if (fd < 0) {
    return Status::Error("cannot keep the lock on " + win32::utf8Path(path) +
                         ": _open_osfhandle failed");
  }
  file.release();
  return fd;
}

bool isStateFolderLocked(const std::filesystem::path& state_dir) {
  win32::UniqueHandle file = openLockFile(state_dir / "alur-relay.lock", OPEN_EXISTING);
  if (!file.valid()) {
    return false;
  }
  if (!tryLock(file.get())) {
    return ::GetLastError() == ERROR_LOCK_VIOLATION;
  }
  OVERLAPPED range{};
  range.OffsetHigh = kLockOffsetHigh;
  ::UnlockFileEx(file.get(), 0, 1, 0, &range);
  return false;
}

}  // namespace alur
