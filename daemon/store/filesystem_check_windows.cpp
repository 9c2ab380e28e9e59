#include <array>

#include "common/win32.h"
#include "store/filesystem_check.h"

#include <windows.h>

namespace alur::store {

// A UNC path (\\server\share) or a drive letter that Windows reports as remote is a network
// folder.
std::string networkFileSystemOf(const std::filesystem::path& folder) {
  const std::wstring& text = folder.native();
  bool device_path = text.starts_with(L"\\\\?\\") || text.starts_with(L"\\\\.\\");
  if ((text.starts_with(L"\\\\") || text.starts_with(L"//")) && !device_path) {
    return "SMB";
  }
  std::wstring root_name = std::filesystem::absolute(folder).root_name().native();
  std::wstring root = root_name + L"\\";
  if (::GetDriveTypeW(root.c_str()) != DRIVE_REMOTE) {
    return "";
  }
  std::array<wchar_t, MAX_PATH + 1> name{};
  if (::GetVolumeInformationW(root.c_str(), nullptr, 0, nullptr, nullptr, nullptr, name.data(),
                              static_cast<DWORD>(name.size())) &&
      name[0] != L'\0') {
    return win32::narrow(name.data()) + " (remote drive)";
  }
  return "remote drive";
}

}  // namespace alur::store
