// The configuration file as read: every key it sets with its line and raw value, so that error
// messages can name the file and the line, and the step that hands the values to
// Boost.program_options.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "common/ini.h"
#include "common/status.h"

namespace alur::config {

namespace fs = std::filesystem;
namespace po = boost::program_options;

// The configuration file being read, with the line and raw value of every key it sets, so that
// error messages can name the file and the line.
class ConfigSource {
 public:
  explicit ConfigSource(const fs::path& file)
      : file_(fs::absolute(file)), folder_(file_.parent_path()) {}

  const fs::path& file() const { return file_; }

  // Returns the line that sets `key`, or 0 when the file does not set it.
  int lineOf(const std::string& key) const {
    auto it = settings_.find(key);
    return it == settings_.end() ? 0 : it->second.line;
  }

  // Returns the value as written in the file, or an empty string when the file does not set it.
  std::string valueOf(const std::string& key) const {
    auto it = settings_.find(key);
    return it == settings_.end() ? std::string() : it->second.value;
  }

  void add(const std::string& key, const IniEntry& entry) {
    settings_[key] = {entry.line, entry.value};
  }

  // Resolves a path read from the file. A relative path is relative to the folder that contains
  // the file.
  fs::path resolve(const std::string& value) const {
    fs::path path(value);
    if (path.empty() || path.is_absolute()) {
      return path;
    }
    return (folder_ / path).lexically_normal();
  }

  // Returns the error "FILE line N: KEY TEXT", without the line when the file does not set KEY.
  // When the key's value contains '#', the message adds that '#' does not start a comment.
  Status error(const std::string& key, const std::string& text) const {
    std::string message = file_.string();
    auto it = settings_.find(key);
    if (it != settings_.end()) {
      message += " line " + std::to_string(it->second.line);
    }
    message += ": " + key + " " + text;
    if (it != settings_.end() && it->second.value.find('#') != std::string::npos) {
      message += ". A '#' after the '=' is part of the value, so put comments on their own line";
    }
    return Status::Error(message);
  }

  // Returns the error "FILE line N: KEY = VALUE TEXT", and marks VALUE as the default when the
  // file does not set KEY.
  Status valueError(const std::string& key, const std::string& value,
                    const std::string& text) const {
    std::string shown = value.empty() ? "(empty)" : value;
    if (lineOf(key) == 0) {
      shown += " (the default)";
    }
    return error(key, "= " + shown + " " + text);
  }

 private:
  struct Setting {
    int line = 0;
    std::string value;
  };

  fs::path file_;
  fs::path folder_;
  std::map<std::string, Setting> settings_;
};

// Returns whether the value of `key` must never appear in a message.
bool isSecret(const std::string& key);

// Returns the value of every key in `values` (set in the file or defaulted) as text, keyed by
// "section.key".
std::map<std::string, std::string> settingsAsText(const po::variables_map& values);

// Feeds the entries of the file to program_options, rejecting unknown and repeated keys and
// values of the wrong type with an error naming the line. Boost's parse_config_file is not used
// because it cuts every value at the first '#', so a password "ab#cd" would become "ab".
Status storeEntries(const std::vector<IniEntry>& entries,
                    const po::options_description& description, ConfigSource& source,
                    po::variables_map& values);

}  // namespace alur::config
