// Writes fixed settings followed by the input to a scratch file and reads it with loadConfig
// (daemon/config/config.h). The fixed settings point export.folder at /tmp and export.profile at
// the shipped config/profiles/sample-a.profile, so that the folder checks pass and the input
// reaches the other sections. An input that sets one of the fixed keys again is rejected as a
// repeated key.
//
// loadConfig creates service.state_dir when it is missing. The target turns that check off and
// also pins state_dir to "state" next to the scratch file, so that no fuzzed path ever becomes a
// folder on the machine.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const alur::fuzz::ScratchFile config_file("alur-fuzz-", ".conf");
  static const std::string prefix =
      "[service]\nstate_dir = state\n[export]\nfolder = /tmp\nprofile = " ALUR_FUZZ_SOURCE_DIR
      "/config/profiles/sample-a.profile\n";

  std::string content = prefix;
  content.append(reinterpret_cast<const char*>(data), size);
  config_file.write(content);

  alur::config::LoadOptions options;
  options.check_state_dir_writable = false;
  auto config = alur::config::loadConfig(config_file.path(), options);
  (void)config;  // a rejected file is a valid outcome, so only a crash is a finding
  return 0;
}
