#include "common/system.h"
#include "common/win32.h"

#include <windows.h>

namespace alur {

std::string hostName() {
  wchar_t name[256] = {};
  DWORD size = sizeof name / sizeof name[0];
  if (!::GetComputerNameExW(ComputerNameDnsHostname, name, &size) || size == 0) {
    return "localhost";
  }
  return win32::narrow(std::wstring_view(name, size));
}

long processId() { return static_cast<long>(::GetCurrentProcessId()); }

std::string accountName() {
  wchar_t name[257] = {};
  DWORD size = sizeof name / sizeof name[0];
  if (!::GetUserNameW(name, &size) || size == 0) {
    return "an unknown account";
  }
  // The size counts the terminating null.
  return win32::narrow(std::wstring_view(name, size - 1));
}

// _isatty() is true for any character device, the NUL device included, so the console is
// recognised by its mode instead.
bool standardInputIsTerminal() {
  HANDLE input = ::GetStdHandle(STD_INPUT_HANDLE);
  DWORD mode = 0;
  return input != nullptr && input != INVALID_HANDLE_VALUE && ::GetConsoleMode(input, &mode) != 0;
}

}  // namespace alur
