// The lock that keeps one service per state folder.
#pragma once

#include <filesystem>

#include "common/status.h"

namespace alur {

// Takes an exclusive lock on state_dir/alur-relay.lock for the life of the process and writes
// the pid into it, so that two services never share one database and one outbox. Returns the
// descriptor, which the caller keeps open. The kernel releases the lock when the process ends,
// even after SIGKILL.
Result<int> lockStateFolder(const std::filesystem::path& state_dir);

// True when a running service holds the lock of `state_dir`.
bool isStateFolderLocked(const std::filesystem::path& state_dir);

}  // namespace alur
