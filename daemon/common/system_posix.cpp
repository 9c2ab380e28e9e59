#include <pwd.h>
#include <unistd.h>

#include "common/system.h"

namespace alur {

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

long processId() { return static_cast<long>(::getpid()); }

std::string accountName() {
  uid_t uid = ::geteuid();
  if (const passwd* entry = ::getpwuid(uid); entry != nullptr) {
    return entry->pw_name;
  }
  return "uid " + std::to_string(uid);
}

bool standardInputIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

}  // namespace alur
