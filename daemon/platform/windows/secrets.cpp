#include "platform/windows/secrets.h"

#include "common/files.h"
#include "common/win32.h"

#include <wincrypt.h>
#include <windows.h>

namespace alur::windows {
namespace {

// Shown by tools that inspect a DPAPI blob; not secret.
constexpr const wchar_t* kDescription = L"alur-relay secret";

std::string toString(const DATA_BLOB& blob) {
  return std::string(reinterpret_cast<const char*>(blob.pbData), blob.cbData);
}

DATA_BLOB toBlob(std::string_view bytes) {
  return DATA_BLOB{static_cast<DWORD>(bytes.size()),
                   reinterpret_cast<BYTE*>(const_cast<char*>(bytes.data()))};
}

}  // namespace

Result<std::string> protectForMachine(std::string_view plain) {
  DATA_BLOB in = toBlob(plain);
  DATA_BLOB out{};
  if (!::CryptProtectData(&in, kDescription, nullptr, nullptr, nullptr,
                          CRYPTPROTECT_LOCAL_MACHINE | CRYPTPROTECT_UI_FORBIDDEN, &out)) {
    return Status::Error("CryptProtectData failed: " + win32::lastErrorText());
  }
  std::string blob = toString(out);
  ::LocalFree(out.pbData);
  return blob;
}

Result<std::string> unprotectForMachine(std::string_view blob) {
  DATA_BLOB in = toBlob(blob);
  DATA_BLOB out{};
  if (!::CryptUnprotectData(&in, nullptr, nullptr, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN,
                            &out)) {
    return Status::Error("CryptUnprotectData failed: " + win32::lastErrorText());
  }
  std::string plain = toString(out);
  ::SecureZeroMemory(out.pbData, out.cbData);
  ::LocalFree(out.pbData);
  return plain;
}

std::filesystem::path secretFile(const std::filesystem::path& config_file, std::string_view name) {
  return config_file.parent_path() / "secrets" / (win32::widen(name) + L".dpapi");
}

Status checkSecretName(std::string_view name) {
  bool valid = !name.empty() && name.size() <= 64;
  for (char c : name) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-';
    valid = valid && allowed;
  }
  if (!valid) {
    return Status::Error("invalid secret name \"" + std::string(name) +
                         "\": use 1 to 64 letters, digits, '.', '_' or '-', e.g. "
                         "platform.password");
  }
  return Status::Ok();
}

Status storeSecret(const std::filesystem::path& config_file, std::string_view name,
                   std::string_view value) {
  if (Status s = checkSecretName(name); !s) {
    return s;
  }
  if (value.empty()) {
    return Status::Error("the secret " + std::string(name) + " is empty; nothing was stored");
  }
  auto blob = protectForMachine(value);
  if (!blob) {
    return blob.status();
  }
  return writeFileDurably(secretFile(config_file, name), *blob);
}

Result<std::string> resolveSecret(const std::filesystem::path& config_file, std::string_view key,
                                  const std::string& value) {
  if (!value.starts_with(kSecretPrefix)) {
    return value;
  }
  std::string name = value.substr(kSecretPrefix.size());
  if (Status s = checkSecretName(name); !s) {
    return Status::Error(win32::utf8Path(config_file) + ": " + std::string(key) + ": " +
                         s.message());
  }
  std::filesystem::path file = secretFile(config_file, name);
  std::string blob;
  if (Status read = readFile(file, blob); !read) {
    return Status::Error(win32::utf8Path(config_file) + ": " + std::string(key) +
                         " names the stored secret " + name + ", but " + win32::utf8Path(file) +
                         " cannot be read; store it with: alur-relay secret set " + name +
                         " --config \"" + win32::utf8Path(config_file) + "\"");
  }
  auto plain = unprotectForMachine(blob);
  if (!plain) {
    return Status::Error(win32::utf8Path(file) + " cannot be decrypted (" + plain.message() +
                         "); a secret stored on another machine cannot be read here. Store it "
                         "again with: alur-relay secret set " +
                         name);
  }
  return std::move(*plain);
}

}  // namespace alur::windows
