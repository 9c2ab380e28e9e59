#include "crash/small_disk.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace alur::testing {

SmallDisk::~SmallDisk() { unmount(); }

void SmallDisk::unmount() {
  if (mounted_) {
    ::umount2(folder_.c_str(), MNT_DETACH);
    mounted_ = false;
  }
}

std::string SmallDisk::mount(const std::filesystem::path& folder, int megabytes) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  std::string options = "size=" + std::to_string(megabytes) + "m,mode=0755";
  if (::mount("tmpfs", folder.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return "mount -t tmpfs -o " + options + " on " + folder.string() +
           " failed: " + std::strerror(errno);
  }
  folder_ = folder;
  mounted_ = true;
  return "";
}

bool SmallDisk::fill() {
  int fd = ::open((folder_ / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  // Large writes first, then smaller ones, down to a single byte, so that no page is left free.
  std::vector<char> block(1 << 20, 'x');
  bool full = false;
  for (std::size_t size = block.size(); size >= 1; size /= 4) {
    while (true) {
      ssize_t written = ::write(fd, block.data(), size);
      if (written > 0) {
        continue;
      }
      full = full || (written < 0 && errno == ENOSPC);
      break;
    }
  }
  ::close(fd);
  return full;
}

void SmallDisk::release() {
  std::error_code ec;
  std::filesystem::remove(folder_ / "filler", ec);
}

}  // namespace alur::testing
