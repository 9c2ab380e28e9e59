// Turns the SqliteError thrown inside the store module into a Status at its public functions.
#pragma once

#include <string>

#include "common/status.h"
#include "store/sqlite.h"

namespace alur::store {

// Runs `body` and turns a SqliteError into a Status that names what was being done.
template <typename Body>
auto guarded(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SqliteError& e) {
    std::string hint;
    if ((e.code() & 0xFF) == SQLITE_FULL) {
      hint = " (the disk is full: free space on the state folder's file system)";
    } else if ((e.code() & 0xFF) == SQLITE_BUSY) {
      hint = " (another process holds the database: stop it or wait)";
    }
    return Status::Error(what + ": " + e.what() + hint);
  }
}

}  // namespace alur::store
