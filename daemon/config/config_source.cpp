#include "config/config_source.h"

#include <algorithm>

namespace alur::config {

bool isSecret(const std::string& key) {
  return key == "platform.password" || key == "email.password";
}

namespace {

std::string sectionOf(const std::string& name) { return name.substr(0, name.find('.')); }

std::string keyOf(const std::string& name) { return name.substr(name.find('.') + 1); }

// Lists the keys of `section` in the order of describe().
std::vector<std::string> keysOfSection(const po::options_description& description,
                                       const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& option : description.options()) {
    if (sectionOf(option->long_name()) == section) {
      keys.push_back(keyOf(option->long_name()));
    }
  }
  return keys;
}

// Lists the sections that have a key named `key`.
std::vector<std::string> sectionsWithKey(const po::options_description& description,
                                         const std::string& key) {
  std::vector<std::string> sections;
  for (const auto& option : description.options()) {
    if (keyOf(option->long_name()) == key) {
      sections.push_back(sectionOf(option->long_name()));
    }
  }
  return sections;
}

std::vector<std::string> allSections(const po::options_description& description) {
  std::vector<std::string> sections;
  for (const auto& option : description.options()) {
    std::string section = sectionOf(option->long_name());
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      sections.push_back(section);
    }
  }
  return sections;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

// Returns the error for a key that describe() does not list, naming the keys that the reader may
// have meant.
Status unknownKeyError(const po::options_description& description, const ConfigSource& source,
                       const IniEntry& entry) {
  std::string where = source.file().string() + " line " + std::to_string(entry.line) + ": ";
  std::vector<std::string> homes = sectionsWithKey(description, entry.key);
  if (entry.section.empty()) {
    std::string fix = homes.empty() ? "the keys are listed in alur-relay.conf.example"
                                    : "move it under [" + homes.front() + "]";
    return Status::Error(where + "key " + entry.key + " comes before any [section] header; " + fix);
  }
  std::vector<std::string> keys = keysOfSection(description, entry.section);
  if (keys.empty()) {
    return Status::Error(where + "unknown section [" + entry.section + "]; the sections are " +
                         joined(allSections(description)));
  }
  std::string hint = homes.empty() ? "" : " (" + entry.key + " belongs in [" + homes.front() + "])";
  return Status::Error(where + "unknown key " + entry.key + " in [" + entry.section + "]" + hint +
                       "; the keys of [" + entry.section + "] are " + joined(keys));
}

// Returns the error for a value that program_options cannot convert to the key's type.
Status conversionError(const po::options_description& description, const ConfigSource& source,
                       const std::string& key, const std::string& value, const po::error& e) {
  std::string shown = isSecret(key) ? "(hidden)" : value;
  const po::option_description* option = description.find_nothrow(key, false);
  bool integer = option != nullptr &&
                 dynamic_cast<const po::typed_value<int>*>(option->semantic().get()) != nullptr;
  if (integer) {
    std::string example;
    if (boost::any fallback; option->semantic()->apply_default(fallback)) {
      example = ", e.g. " + std::to_string(boost::any_cast<int>(fallback)) + " (the default)";
    }
    return source.valueError(key, shown,
                             "is not a whole number; write it with digits only" + example);
  }
  return source.valueError(key, shown, std::string("is invalid (") + e.what() + ")");
}

}  // namespace

std::map<std::string, std::string> settingsAsText(const po::variables_map& values) {
  std::map<std::string, std::string> settings;
  for (const auto& [name, variable] : values) {
    const boost::any& value = variable.value();
    if (const auto* text = boost::any_cast<std::string>(&value)) {
      settings[name] = *text;
    } else if (const auto* number = boost::any_cast<int>(&value)) {
      settings[name] = std::to_string(*number);
    }
  }
  return settings;
}

Status storeEntries(const std::vector<IniEntry>& entries,
                    const po::options_description& description, ConfigSource& source,
                    po::variables_map& values) {
  po::parsed_options parsed(&description);
  for (const IniEntry& entry : entries) {
    std::string name = entry.section + "." + entry.key;
    if (entry.section.empty() || description.find_nothrow(name, false) == nullptr) {
      return unknownKeyError(description, source, entry);
    }
    if (int first = source.lineOf(name); first != 0) {
      return Status::Error(source.file().string() + " line " + std::to_string(entry.line) + ": " +
                           name + " is set twice, on lines " + std::to_string(first) + " and " +
                           std::to_string(entry.line) + "; keep only one of them");
    }
    source.add(name, entry);
    po::option option(name, {entry.value});
    option.original_tokens = {name};
    parsed.options.push_back(std::move(option));
  }
  try {
    po::store(parsed, values);
    po::notify(values);
  } catch (const po::error_with_option_name& e) {
    std::string key = e.get_option_name();
    return conversionError(description, source, key, source.valueOf(key), e);
  } catch (const po::error& e) {
    return Status::Error(source.file().string() + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace alur::config
