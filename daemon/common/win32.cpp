#include "common/win32.h"

#include <utility>

namespace alur::win32 {

std::wstring widen(std::string_view utf8) {
  if (utf8.empty()) {
    return {};
  }
  int size =
      ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(size), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), size);
  return wide;
}

std::string narrow(std::wstring_view wide) {
  if (wide.empty()) {
    return {};
  }
  int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr,
                                   0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), utf8.data(), size,
                        nullptr, nullptr);
  return utf8;
}

std::string utf8Path(const std::filesystem::path& path) { return narrow(path.native()); }

std::string errorText(DWORD code) {
  LocalMemory<wchar_t*> buffer;
  DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
      reinterpret_cast<wchar_t*>(buffer.out()), 0, nullptr);
  std::string text = length > 0 ? narrow(std::wstring_view(buffer.get(), length)) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty()) {
    return "error " + std::to_string(code);
  }
  return text + " (error " + std::to_string(code) + ")";
}

std::string lastErrorText() { return errorText(::GetLastError()); }

UniqueHandle& UniqueHandle::operator=(UniqueHandle&& other) noexcept {
  if (this != &other) {
    UniqueHandle old(handle_);
    handle_ = other.release();
  }
  return *this;
}

UniqueHandle::~UniqueHandle() {
  if (valid()) {
    ::CloseHandle(handle_);
  }
}

HANDLE UniqueHandle::release() { return std::exchange(handle_, nullptr); }

}  // namespace alur::win32
