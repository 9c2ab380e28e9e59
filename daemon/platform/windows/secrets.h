// Secrets kept out of the configuration file: the FTPS and SMTP passwords, encrypted with DPAPI
// in the machine's scope, one file per secret in the "secrets" folder beside the configuration.
// The configuration names a stored secret with the value "secret:NAME", for example
// `password = secret:platform.password`. Windows only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace alur::windows {

// The prefix of a configuration value that names a stored secret.
inline constexpr std::string_view kSecretPrefix = "secret:";

// Encrypts and decrypts with CryptProtectData/CryptUnprotectData in the machine's scope: any
// process of this machine can decrypt, no other machine can, so the file's access rights are
// what keeps ordinary users out.
Result<std::string> protectForMachine(std::string_view plain);
Result<std::string> unprotectForMachine(std::string_view blob);

// The file of the secret `name` for the configuration file `config_file`:
// <folder of config_file>\secrets\<name>.dpapi.
std::filesystem::path secretFile(const std::filesystem::path& config_file, std::string_view name);

// Checks that `name` has 1 to 64 letters, digits, '.', '_' or '-'.
Status checkSecretName(std::string_view name);

// Encrypts `value` and writes it durably to secretFile(config_file, name).
Status storeSecret(const std::filesystem::path& config_file, std::string_view name,
                   std::string_view value);

// Returns `value` itself, or the decrypted secret when `value` is "secret:NAME". `key` names
// the configuration key in messages.
Result<std::string> resolveSecret(const std::filesystem::path& config_file, std::string_view key,
                                  const std::string& value);

}  // namespace alur::windows
