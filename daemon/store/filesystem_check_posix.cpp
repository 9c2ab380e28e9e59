#include <sys/vfs.h>

#include "store/filesystem_check.h"

namespace alur::store {

std::string networkFileSystemOf(const std::filesystem::path& folder) {
  struct statfs info {};
  if (statfs(folder.c_str(), &info) != 0) {
    return "";
  }
  // Magic numbers from linux/magic.h and the CIFS/SMB2 client sources.
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0x6969UL:
      return "nfs";
    case 0xFF534D42UL:
      return "cifs";
    case 0xFE534D42UL:
      return "smb2";
    case 0x517BUL:
      return "smb";
    case 0x564C:
      return "ncp";
    case 0x6B414653UL:
      return "afs";
    case 0x73757245UL:
      return "coda";
    case 0x01021997UL:
      return "9p";
    default:
      return "";
  }
}

}  // namespace alur::store
