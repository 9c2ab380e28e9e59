#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/state_lock.h"

namespace alur {

Result<int> lockStateFolder(const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  std::filesystem::path path = state_dir / "alur-relay.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status::Error("cannot open " + path.string() + ": " + std::strerror(errno) +
                         "; the service account needs write access to " + state_dir.string());
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Error("another alur-relay process already runs with the state folder " +
                         state_dir.string() + "; stop it first (systemctl stop alur-relay)");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::write(fd, pid.data(), pid.size()) < 0) {
    // The pid in the file is only informative; the lock is what matters.
  }
  return fd;
}

bool isStateFolderLocked(const std::filesystem::path& state_dir) {
  int fd = ::open((state_dir / "alur-relay.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

}  // namespace alur
