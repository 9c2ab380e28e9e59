// Writes the input, without its first byte, to a scratch file and reads it with readExport
// (daemon/ingest/export_reader.h) through one of the shipped profiles config/profiles/sample-a,
// sample-b or sample-c, chosen by the first byte modulo 3. This covers the CSV and XML readers,
// the number, date and address parsing of values.h, address.h and row_builder.h, and then what
// the store does with each row: recordToJson, issuesToJson and fingerprint
// (daemon/lease/record_json.h, record.h). Checks that each stored record reads back with
// recordFromJson to the same canonical text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "ingest/export_reader.h"
#include "ingest/profile.h"
#include "lease/record.h"
#include "lease/record_json.h"

namespace {

using alur::Status;
using alur::fuzz::check;
using alur::fuzz::ScratchFile;
using alur::ingest::ExportRow;
using alur::ingest::Profile;

// Loads the three shipped profiles from the source tree, aborting when one does not load.
std::vector<Profile> loadShippedProfiles() {
  std::vector<Profile> profiles;
  for (const char* name : {"sample-a", "sample-b", "sample-c"}) {
    const std::string path =
        std::string(ALUR_FUZZ_SOURCE_DIR) + "/config/profiles/" + name + ".profile";
    auto profile = alur::ingest::loadProfile(path);
    if (!profile.ok()) {
      std::fprintf(stderr, "fuzz: failed to load %s: %s\n", path.c_str(),
                   profile.message().c_str());
      std::abort();
    }
    profiles.push_back(std::move(*profile));
  }
  return profiles;
}

Status storeRow(ExportRow&& row) {
  const std::string record_json = alur::lease::recordToJson(row.record);
  const std::string issues_json = alur::lease::issuesToJson(row.issues);
  const std::string fingerprint = alur::lease::fingerprint(row.record);
  (void)issues_json;
  (void)fingerprint;

  auto stored = alur::lease::recordFromJson(record_json);
  check(stored.ok(), "recordFromJson reads what recordToJson wrote");
  check(alur::lease::canonicalText(*stored) == alur::lease::canonicalText(row.record),
        "a stored record reads back unchanged");
  return Status::Ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<Profile> profiles = loadShippedProfiles();
  static const ScratchFile export_file("alur-fuzz-export-", ".dat");
  if (size == 0) {
    return 0;
  }
  const Profile& profile = profiles[data[0] % profiles.size()];
  export_file.write(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));

  Status read = alur::ingest::readExport(export_file.path(), profile, storeRow);
  (void)read;  // a rejected file is a valid outcome, so only a crash is a finding
  return 0;
}
