#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/files.h"

namespace alur {
namespace {

std::string errnoText() { return std::strerror(errno); }

Status syncFolder(const std::filesystem::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error("cannot open folder " + folder.string() + ": " + errnoText());
  }
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) {
    return Status::Error("fsync of folder " + folder.string() + " failed: " + errnoText());
  }
  return Status::Ok();
}

}  // namespace

Status writeFileDurably(const std::filesystem::path& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::Error("cannot create folder " + path.parent_path().string() + ": " +
                         ec.message());
  }
  std::filesystem::path temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status::Error("cannot create " + temp.string() + ": " + errnoText());
  }
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      std::string error = errnoText();
      ::close(fd);
      ::unlink(temp.c_str());
      return Status::Error("cannot write " + temp.string() + ": " + error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string error = errnoText();
    ::close(fd);
    ::unlink(temp.c_str());
    return Status::Error("fsync of " + temp.string() + " failed: " + error);
  }
  ::close(fd);
  return renameDurably(temp, path);
}

Status renameDurably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::Error("cannot rename " + from.string() + " to " + to.string() + ": " +
                         errnoText());
  }
  return syncFolder(to.parent_path().empty() ? "." : to.parent_path());
}

Status readFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open " + path.string());
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return Status::Ok();
}

std::optional<FileState> regularFileState(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  constexpr std::int64_t kNanoseconds = 1000000000;
  return FileState{static_cast<std::uintmax_t>(info.st_size),
                   info.st_mtim.tv_sec * kNanoseconds + info.st_mtim.tv_nsec,
                   info.st_ctim.tv_sec * kNanoseconds + info.st_ctim.tv_nsec,
                   static_cast<std::uintmax_t>(info.st_ino)};
}

std::string utf8FileName(const std::filesystem::path& path) { return path.filename().string(); }

}  // namespace alur
