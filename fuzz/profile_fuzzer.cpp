// Writes the input to a scratch file and reads it with readIniFile (daemon/common/ini.h) and
// loadProfile (daemon/ingest/profile.h). When the profile loads, the target also reads a fixed
// two-line export through it with readExport (daemon/ingest/export_reader.h), so that settings
// which pass the profile checks but break the export reader are found too. The export is an XML
// record for type = xml, a line of the sample-b format (UTF-8, ',') for separator = comma, and a
// line of the sample-a format (Windows-1252, ';') otherwise.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ini.h"
#include "fuzz_support.h"
#include "ingest/export_reader.h"
#include "ingest/profile.h"

namespace {

using alur::Status;
using alur::fuzz::check;
using alur::fuzz::ScratchFile;
using alur::ingest::ExportRow;
using alur::ingest::FileType;
using alur::ingest::Profile;

// Header and first lease of tests/data/export-A-day1.csv.
constexpr std::string_view kExportA =
    "R\xE9"
    "f lot;N\xB0 mandat;N\xB0 bail;Locataire;Propri\xE9taire;Adresse;Compl\xE9ment adresse;Code "
    "postal;Ville;Type de bien;Nature du bail;Surface habitable;Nb pi\xE8"
    "ces;\xC9tage;Ann\xE9"
    "e construction;Classe DPE;Chauffage;Ascenseur;Loyer HC;Provision charges;Compl\xE9ment de "
    "loyer;Date d'effet du bail;Date d'entr\xE9"
    "e;R\xE9gime juridique\r\n"
    "LOT100000;M7386-00;B2026000000;Ga\xEBl Hoarau;Camille Caron;152 cours Victor "
    "Hugo;;31000;Toulouse;Appartement;Habitation "
    "vide;66,00;3;8;1903;A;Collectif;O;822,81;160,74;0,00;10/05/2018;13/05/2018;Copropri\xE9t\xE9"
    "\r\n";

// Header and first lease of tests/data/export-B-day1.csv.
constexpr std::string_view kExportB =
    "\xEF\xBB\xBF\"lot_id\",\"mandate_no\",\"tenant_name\",\"street_no\",\"street_no_suffix\","
    "\"street\",\"address_2\",\"zip\",\"town\",\"property_type\",\"lease_kind\",\"living_area_m2\","
    "\"main_rooms\",\"build_year\",\"energy_class\",\"monthly_rent_excl_charges\",\"monthly_"
    "charges\",\"lease_start\",\"tenant_entry\",\"notes\"\r\n"
    "\"LOT100000\",\"M7386-00\",\"Ga\xC3\xABl Hoarau\",\"152\",\"\",\"cours Victor "
    "Hugo\",\"\",\"31000\",\"Toulouse\",\"Appartement\",\"unfurnished\",\"66.00\",\"3\",\"1903\","
    "\"A\",\"822.81\",\"160.74\",\"2018-05-10\",\"2018-05-13\",\"\"\r\n";

// First lease of tests/data/export-C-day1.xml.
constexpr std::string_view kExportC =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ExportBaux version=\"2\">\n"
    "  <Bail reference=\"B2026000000\" lot=\"LOT100000\">\n"
    "    <Locataire>Ga\xC3\xABl Hoarau</Locataire>\n"
    "    <Adresse numero=\"152\" indice=\"\" voie=\"cours\" nomVoie=\"Victor Hugo\" cp=\"31000\" "
    "commune=\"TOULOUSE\"/>\n"
    "    <Bien type=\"Appartement\" surface=\"66.0\" pieces=\"3\" etage=\"8\" "
    "anneeConstruction=\"1903\" dpe=\"A\"/>\n"
    "    <Contrat nature=\"Habitation vide\" dateEffet=\"2018-05-10\" dateEntree=\"2018-05-13\">\n"
    "      <Loyer hc=\"822.81\" charges=\"160.74\" complement=\"0.0\"/>\n"
    "    </Contrat>\n"
    "  </Bail>\n"
    "</ExportBaux>\n";

std::string_view exportFor(const Profile& profile) {
  if (profile.type == FileType::kXml) {
    return kExportC;
  }
  return profile.csv.separator == ',' ? kExportB : kExportA;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchFile profile_file("alur-fuzz-", ".profile");
  static const ScratchFile export_file("alur-fuzz-export-", ".dat");

  profile_file.write(std::string_view(reinterpret_cast<const char*>(data), size));

  auto entries = alur::readIniFile(profile_file.path());
  if (entries.ok()) {
    int previous_line = 0;
    for (const alur::IniEntry& entry : *entries) {
      check(entry.line > previous_line, "entries are in increasing line order");
      previous_line = entry.line;
    }
  }

  auto profile = alur::ingest::loadProfile(profile_file.path());
  if (!profile.ok()) {
    return 0;
  }
  check(entries.ok(), "a profile that loads is a readable INI file");

  export_file.write(exportFor(*profile));
  Status read = alur::ingest::readExport(export_file.path(), *profile,
                                         [](ExportRow&&) { return Status::Ok(); });
  (void)read;  // a rejected export is a valid outcome, so only a crash is a finding
  return 0;
}
