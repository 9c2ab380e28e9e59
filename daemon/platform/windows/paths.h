// Where the service keeps its files on Windows, and which export folders a service can reach.
// Windows only.
#pragma once

#include <filesystem>

#include "common/status.h"

namespace alur::windows {

// %ProgramData%\alur-relay: the configuration, the secrets, the database and the log.
Result<std::filesystem::path> dataFolder();

// %ProgramData%\alur-relay\alur-relay.conf.
Result<std::filesystem::path> defaultConfigFile();

// Accepts local folders and UNC paths (\\server\share\folder). Rejects a folder on a drive
// letter that Windows reports as a network drive: drive mappings belong to the logon session
// that made them, so a service does not see them. The message names the UNC path to use when
// the mapping is known.
Status checkExportFolderLocation(const std::filesystem::path& folder);

}  // namespace alur::windows
