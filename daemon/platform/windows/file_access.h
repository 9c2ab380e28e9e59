// Access rights of the files that hold secrets (the configuration, the stored secrets, the
// database): readable by the service, SYSTEM and administrators, never by ordinary users.
// Windows only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

#include <windows.h>

namespace alur::windows {

// Returns the groups of ordinary users among Everyone, Authenticated Users and Users whose
// entries let a member of all three read the object's data, in the order of the entries. Deny
// entries before an allow entry take their rights away, as Windows evaluates them; entries that
// are only inherited by children are skipped. A null `dacl` (no DACL at all) lets everyone read.
std::vector<std::string> ordinaryReaders(const ACL* dacl);

// Reads the DACL of `file` and returns ordinaryReaders() of it.
Result<std::vector<std::string>> ordinaryReadersOf(const std::filesystem::path& file);

// Rejects `file` when ordinary users may read it. `what` names the file in the message, e.g.
// "the configuration file".
Status checkNotReadableByOrdinaryUsers(const std::filesystem::path& file, std::string_view what);

// Returns the SID (S-1-5-80-...) of the virtual account "NT SERVICE\<service_name>", computed as
// Windows does: the SHA-1 of the upper-case service name in UTF-16LE, as five 32-bit values.
Result<std::string> virtualAccountSid(std::wstring_view service_name);

// Replaces the rights of `folder` by a protected list, inherited by its files and subfolders:
// full control for SYSTEM and Administrators, modify for `service_sid`, nothing for others.
Status restrictFolder(const std::filesystem::path& folder, const std::string& service_sid);

}  // namespace alur::windows
