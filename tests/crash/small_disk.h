// A small tmpfs mounted over a folder, to fill a file system on demand. Needs root.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace alur::testing {

class SmallDisk {
 public:
  SmallDisk() = default;
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk();

  // Mounts a tmpfs of `megabytes` over `folder`, creating the folder. Returns an error text,
  // empty on success.
  std::string mount(const std::filesystem::path& folder, int megabytes);
  // Writes FOLDER/filler until the file system has no free byte left. Returns false when the
  // file system did not report ENOSPC.
  bool fill();
  // Deletes the filler file, so that the space returns.
  void release();
  // Unmounts the file system (lazily, so that open files do not prevent it).
  void unmount();

 private:
  std::filesystem::path folder_;
  bool mounted_ = false;
};

}  // namespace alur::testing
