#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "common/files.h"
#include "common/win32.h"

#include <windows.h>

namespace alur {

// Windows cannot flush a folder, so the rename itself is made durable: MOVEFILE_WRITE_THROUGH
// returns only once the move is on disk.
Status writeFileDurably(const std::filesystem::path& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::Error("cannot create folder " + win32::utf8Path(path.parent_path()) + ": " +
                         ec.message());
  }
  std::filesystem::path temp = path;
  temp += ".tmp";
  win32::UniqueHandle file(::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                                         FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) {
    return Status::Error("cannot create " + win32::utf8Path(temp) + ": " + win32::lastErrorText());
  }
  std::size_t written = 0;
  while (written < data.size()) {
    DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(data.size() - written, 1u << 30));
    DWORD done = 0;
    if (!::WriteFile(file.get(), data.data() + written, chunk, &done, nullptr)) {
      std::string error = win32::lastErrorText();
      file = win32::UniqueHandle();
      ::DeleteFileW(temp.c_str());
      return Status::Error("cannot write " + win32::utf8Path(temp) + ": " + error);
    }
    written += done;
  }
  if (!::FlushFileBuffers(file.get())) {
    std::string error = win32::lastErrorText();
    file = win32::UniqueHandle();
    ::DeleteFileW(temp.c_str());
    return Status::Error("FlushFileBuffers of " + win32::utf8Path(temp) + " failed: " + error);
  }
  file = win32::UniqueHandle();
  return renameDurably(temp, path);
}

Status renameDurably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (!::MoveFileExW(from.c_str(), to.c_str(),
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    return Status::Error("cannot rename " + win32::utf8Path(from) + " to " + win32::utf8Path(to) +
                         ": " + win32::lastErrorText());
  }
  return Status::Ok();
}

Status readFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot open " + win32::utf8Path(path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return Status::Ok();
}

namespace {

// FILETIME and FILE_BASIC_INFO count 100 ns intervals since 1601-01-01 UTC.
constexpr std::int64_t kIntervalsTo1970 = 116444736000000000;

std::int64_t unixNanoseconds(std::int64_t intervals) {
  return (intervals - kIntervalsTo1970) * 100;
}

}  // namespace

std::optional<FileState> regularFileState(const std::filesystem::path& file) {
  // The handle reads attributes only and shares every mode, so an exporter that writes, renames
  // or deletes the file meanwhile is not blocked.
  win32::UniqueHandle handle(::CreateFileW(file.c_str(), FILE_READ_ATTRIBUTES,
                                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                           nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!handle.valid()) {
    return std::nullopt;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  FILE_BASIC_INFO basic{};
  if (!::GetFileInformationByHandle(handle.get(), &info) ||
      !::GetFileInformationByHandleEx(handle.get(), FileBasicInfo, &basic, sizeof basic) ||
      (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    return std::nullopt;
  }
  return FileState{(std::uintmax_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow,
                   unixNanoseconds(basic.LastWriteTime.QuadPart),
                   unixNanoseconds(basic.ChangeTime.QuadPart),
                   (std::uintmax_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow};
}

std::string utf8FileName(const std::filesystem::path& path) {
  return win32::utf8Path(path.filename());
}

}  // namespace alur
