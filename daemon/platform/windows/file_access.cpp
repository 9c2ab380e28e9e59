#include "platform/windows/file_access.h"

#include <array>
#include <cstdint>

#include "common/win32.h"

#include <aclapi.h>
#include <bcrypt.h>
#include <sddl.h>
#include <windows.h>

namespace alur::windows {
namespace {

// Rights that let a user read a file's data.
constexpr ACCESS_MASK kReadData = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL;

struct OrdinaryGroup {
  const char* name;
  WELL_KNOWN_SID_TYPE type;
};

constexpr std::array<OrdinaryGroup, 3> kOrdinaryGroups = {{
    {"Everyone", WinWorldSid},
    {"Authenticated Users", WinAuthenticatedUserSid},
    {"Users", WinBuiltinUsersSid},
}};

// Returns the name of the ordinary group that `sid` is, or nullptr.
const char* ordinaryGroupOf(PSID sid) {
  for (const OrdinaryGroup& group : kOrdinaryGroups) {
    if (::IsWellKnownSid(sid, group.type)) {
      return group.name;
    }
  }
  return nullptr;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : (i + 1 == names.size() ? " and " : ", ")) + names[i];
  }
  return text;
}

}  // namespace

std::vector<std::string> ordinaryReaders(const ACL* dacl) {
  if (dacl == nullptr) {
    return {"Everyone (the file has no access list at all)"};
  }
  std::vector<std::string> readers;
  ACCESS_MASK denied = 0;
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* entry = nullptr;
    if (!::GetAce(const_cast<ACL*>(dacl), i, &entry)) {
      continue;
    }
    const auto* header = static_cast<const ACE_HEADER*>(entry);
    if ((header->AceFlags & INHERIT_ONLY_ACE) != 0) {
      continue;
    }
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE && header->AceType != ACCESS_DENIED_ACE_TYPE) {
      continue;
    }
    // Allowed and denied entries share this layout.
    auto* ace = static_cast<ACCESS_ALLOWED_ACE*>(entry);
    const char* group = ordinaryGroupOf(&ace->SidStart);
    if (group == nullptr) {
      continue;
    }
    if (header->AceType == ACCESS_DENIED_ACE_TYPE) {
      denied |= ace->Mask;
      continue;
    }
    bool read_denied = (denied & kReadData) != 0;
    if ((ace->Mask & kReadData) != 0 && !read_denied) {
      readers.emplace_back(group);
    }
  }
  return readers;
}

Result<std::vector<std::string>> ordinaryReadersOf(const std::filesystem::path& file) {
  PACL dacl = nullptr;
  win32::LocalMemory<PSECURITY_DESCRIPTOR> descriptor;
  DWORD rc = ::GetNamedSecurityInfoW(file.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                     nullptr, nullptr, &dacl, nullptr, descriptor.out());
  if (rc != ERROR_SUCCESS) {
    return Status::Error("cannot read the access rights of " + win32::utf8Path(file) + ": " +
                         win32::errorText(rc));
  }
  return ordinaryReaders(dacl);
}

Status checkNotReadableByOrdinaryUsers(const std::filesystem::path& file, std::string_view what) {
  auto readers = ordinaryReadersOf(file);
  if (!readers) {
    return readers.status();
  }
  if (readers->empty()) {
    return Status::Ok();
  }
  std::string folder = win32::utf8Path(file.parent_path());
  return Status::Error(
      std::string(what) + " " + win32::utf8Path(file) + " can be read by " + joinNames(*readers) +
      ", and it holds the platform password, so alur-relay does not use it. Restrict the "
      "folder to SYSTEM, Administrators and the service account with: alur-relay service "
      "configure (run as administrator), or: icacls \"" +
      folder +
      "\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F "
      "\"NT SERVICE\\alur-relay\":(OI)(CI)M");
}

Result<std::string> virtualAccountSid(std::wstring_view service_name) {
  std::wstring upper(service_name);
  ::CharUpperBuffW(upper.data(), static_cast<DWORD>(upper.size()));

  BCRYPT_ALG_HANDLE algorithm = nullptr;
  if (!BCRYPT_SUCCESS(
          ::BCryptOpenAlgorithmProvider(&algorithm, BCRYPT_SHA1_ALGORITHM, nullptr, 0))) {
    return Status::Error("BCryptOpenAlgorithmProvider(SHA1) failed");
  }
  std::array<unsigned char, 20> digest{};
  NTSTATUS status = ::BCryptHash(algorithm, nullptr, 0, reinterpret_cast<PUCHAR>(upper.data()),
                                 static_cast<ULONG>(upper.size() * sizeof(wchar_t)), digest.data(),
                                 static_cast<ULONG>(digest.size()));
  ::BCryptCloseAlgorithmProvider(algorithm, 0);
  if (!BCRYPT_SUCCESS(status)) {
    return Status::Error("BCryptHash(SHA1) failed");
  }
  std::string sid = "S-1-5-80";
  for (std::size_t i = 0; i < digest.size(); i += 4) {
    std::uint32_t part = static_cast<std::uint32_t>(digest[i]) |
                         static_cast<std::uint32_t>(digest[i + 1]) << 8 |
                         static_cast<std::uint32_t>(digest[i + 2]) << 16 |
                         static_cast<std::uint32_t>(digest[i + 3]) << 24;
    sid.append("-").append(std::to_string(part));
  }
  return sid;
}

Status restrictFolder(const std::filesystem::path& folder, const std::string& service_sid) {
  // 0x1301bf is "Modify": read, write, execute and delete, without changing the rights.
  std::wstring sddl = L"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;" +
                      win32::widen(service_sid) + L")";
  win32::LocalMemory<PSECURITY_DESCRIPTOR> descriptor;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                              descriptor.out(), nullptr)) {
    return Status::Error("cannot build the access rights for " + win32::utf8Path(folder) + ": " +
                         win32::lastErrorText());
  }
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  ::GetSecurityDescriptorDacl(descriptor.get(), &present, &dacl, &defaulted);
  DWORD rc =
      ::SetNamedSecurityInfoW(const_cast<wchar_t*>(folder.c_str()), SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                              nullptr, nullptr, dacl, nullptr);
  if (rc != ERROR_SUCCESS) {
    return Status::Error("cannot set the access rights of " + win32::utf8Path(folder) + ": " +
                         win32::errorText(rc) + "; run the command as administrator");
  }
  return Status::Ok();
}

}  // namespace alur::windows
