// Helpers shared by the Windows implementations: UTF-8/UTF-16 conversion, Win32 error messages
// and ownership of kernel handles. Windows only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <windows.h>

namespace alur::win32 {

// Converts UTF-8 to UTF-16 and back. Invalid sequences become U+FFFD.
std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view wide);

// The path as UTF-8, whatever the ANSI code page (path::string() throws on characters that the
// code page cannot represent).
std::string utf8Path(const std::filesystem::path& path);

// Returns the system's text for a Win32 error code followed by the code, e.g.
// "Access is denied. (error 5)".
std::string errorText(DWORD code);
std::string lastErrorText();

// Owns a kernel handle and closes it. Both null and INVALID_HANDLE_VALUE mean "no handle".
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE handle) : handle_(handle) {}
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept;
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle();

  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const { return handle_; }
  HANDLE release();

 private:
  HANDLE handle_ = nullptr;
};

// Owns memory that a Win32 function allocated with LocalAlloc and frees it with LocalFree.
template <typename T>
class LocalMemory {
 public:
  LocalMemory() = default;
  LocalMemory(const LocalMemory&) = delete;
  LocalMemory& operator=(const LocalMemory&) = delete;
  ~LocalMemory() {
    if (pointer_ != nullptr) {
      ::LocalFree(pointer_);
    }
  }

  T get() const { return pointer_; }
  // The address to pass as the output parameter of the allocating function.
  T* out() { return &pointer_; }

 private:
  T pointer_ = nullptr;
};

}  // namespace alur::win32
