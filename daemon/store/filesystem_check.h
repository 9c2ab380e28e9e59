#pragma once

#include <filesystem>
#include <string>

namespace alur::store {

// Returns the name of the network file system (nfs, cifs, smb2...) that contains `folder`, or an
// empty string for a local one. SQLite's WAL mode needs shared memory on one host.
std::string networkFileSystemOf(const std::filesystem::path& folder);

}  // namespace alur::store
