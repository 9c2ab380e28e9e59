// Durable file operations: what the service writes beside its database must survive a power
// cut in a state the next start can recognise (either the old file, or the whole new one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace alur {

// Writes `data` to `path` through a temporary file in the same folder: write, fsync, rename,
// then fsync the folder. Creates the folder if missing.
Status writeFileDurably(const std::filesystem::path& path, std::string_view data);

// Renames `from` to `to` (same file system) and fsyncs the destination folder.
Status renameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

// One version of a file, as the file system shows it without reading the bytes. The change
// time and the file number catch a rewrite that keeps the size and the modification time (a
// coarse file system clock, or software that restores the time). On Windows they are the
// ChangeTime and the file index.
struct FileState {
  std::uintmax_t size = 0;
  std::int64_t modified_ns = 0;  // since the Unix epoch
  std::int64_t change_ns = 0;    // metadata change (ctime), since the Unix epoch
  std::uintmax_t file_id = 0;    // inode
  bool operator==(const FileState&) const = default;
};

// Returns the state of a regular file, or std::nullopt when it is missing or something else.
std::optional<FileState> regularFileState(const std::filesystem::path& file);

// The file name of `path` in UTF-8 on every platform. path::string() gives the code page of
// Windows there, and throws for a character the code page lacks.
std::string utf8FileName(const std::filesystem::path& path);

// Reads a whole file into `out`.
Status readFile(const std::filesystem::path& path, std::string& out);

}  // namespace alur
