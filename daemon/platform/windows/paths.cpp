#include "platform/windows/paths.h"

#include <array>

#include "common/win32.h"

#include <shlobj.h>
#include <windows.h>
#include <winnetwk.h>

namespace alur::windows {

Result<std::filesystem::path> dataFolder() {
  PWSTR folder = nullptr;
  HRESULT rc = ::SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &folder);
  if (FAILED(rc)) {
    ::CoTaskMemFree(folder);
    return Status::Error("cannot find the ProgramData folder: " +
                         win32::errorText(static_cast<DWORD>(rc)));
  }
  std::filesystem::path path = std::filesystem::path(folder) / L"alur-relay";
  ::CoTaskMemFree(folder);
  return path;
}

Result<std::filesystem::path> defaultConfigFile() {
  auto folder = dataFolder();
  if (!folder) {
    return folder.status();
  }
  return *folder / L"alur-relay.conf";
}

Status checkExportFolderLocation(const std::filesystem::path& folder) {
  std::wstring root_name = folder.root_name().native();
  bool drive_letter = root_name.size() == 2 && root_name[1] == L':';
  if (!drive_letter) {
    return Status::Ok();  // a UNC path, or a relative one that the configuration resolved
  }
  std::wstring root = root_name + L"\\";
  if (::GetDriveTypeW(root.c_str()) != DRIVE_REMOTE) {
    return Status::Ok();
  }
  std::string message = "export.folder " + win32::utf8Path(folder) + " is on the network drive " +
                        win32::narrow(root_name) +
                        ", which the service does not see: a drive letter mapped with net use "
                        "or the Explorer belongs to the session that mapped it. Use the UNC "
                        "path instead";
  std::array<wchar_t, 1024> remote{};
  DWORD size = static_cast<DWORD>(remote.size());
  if (::WNetGetConnectionW(root_name.c_str(), remote.data(), &size) == NO_ERROR) {
    std::filesystem::path unc = std::filesystem::path(remote.data()) / folder.relative_path();
    message += ", " + win32::utf8Path(unc);
  } else {
    message += " (\\\\server\\share\\folder; net use lists the mappings)";
  }
  return Status::Error(message + ", and give the service account read and write access to it");
}

}  // namespace alur::windows
