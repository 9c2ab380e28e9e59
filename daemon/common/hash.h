#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace alur {

// Returns the SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256Hex(std::string_view data);

// Returns the SHA-256 of a file's bytes, read in chunks.
Result<std::string> sha256File(const std::filesystem::path& path);

}  // namespace alur
