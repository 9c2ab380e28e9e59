// Durable file operations: what the service writes beside its database must survive a power
// cut in a state the next start can recognise (either the old file, or the whole new one).
#pragma once

#include <filesystem>
#include <string_view>

#include "common/status.h"

namespace alur {

// Writes `data` to `path` through a temporary file in the same folder: write, fsync, rename,
// then fsync the folder. Creates the folder if missing.
Status writeFileDurably(const std::filesystem::path& path, std::string_view data);

// Renames `from` to `to` (same file system) and fsyncs the destination folder.
Status renameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

// Reads a whole file into `out`.
Status readFile(const std::filesystem::path& path, std::string& out);

}  // namespace alur
