// Helpers shared by the fuzz targets.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace alur::fuzz {

// A file in $TMPDIR (or /tmp) that a target rewrites with each input, for parsers that take a
// path. Each process creates its own file once and removes it at normal exit. A process killed by
// a crash leaves its file behind.
class ScratchFile {
 public:
  // Creates an empty file named `stem` plus six random characters plus `suffix`.
  ScratchFile(std::string_view stem, std::string_view suffix) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string name = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/" +
                       std::string(stem) + "XXXXXX" + std::string(suffix);
    const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      std::perror("fuzz: failed to create a scratch file");
      std::abort();
    }
    close(fd);
    path_ = name;
  }

  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content with `bytes`. Aborts when the write fails, because the target
  // would then parse something other than its input.
  void write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "fuzz: failed to write %s\n", path_.c_str());
      std::abort();
    }
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Stops the process with a message when a property that the code under test documents does not
// hold, so that libFuzzer saves the input as a crash.
inline void check(bool condition, const char* message) {
  if (!condition) {
    std::fprintf(stderr, "fuzz: check failed: %s\n", message);
    std::abort();
  }
}

}  // namespace alur::fuzz
