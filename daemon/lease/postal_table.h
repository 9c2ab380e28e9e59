// La Poste's official postal-code base ("base officielle des codes postaux", Licence Ouverte),
// used to check that a postal code and a commune name belong together and to find the INSEE
// commune code.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace alur::lease {

class PostalTable {
 public:
  // Loads the CSV as published: UTF-8, ';', a header line, columns Code_commune_INSEE;
  // Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement[;coordonnees_gps].
  static Result<PostalTable> load(const std::filesystem::path& path);

  bool knowsPostalCode(const std::string& postal_code) const;

  // Returns the INSEE code of the commune `city` served by `postal_code`, or an empty string
  // when the name matches none of the localities of that postal code. Names are compared
  // folded (case, accents, hyphens, apostrophes), with SAINT/SAINTE read as ST/STE. A trailing
  // arrondissement number ("04", "3e", "1er", "15ème") is optional.
  std::string findInsee(const std::string& postal_code, const std::string& city) const;

  // Names of the communes served by `postal_code`, for messages.
  std::vector<std::string> communesOf(const std::string& postal_code) const;

  // Which file was loaded: its name, line count and the start of its SHA-256.
  const std::string& edition() const { return edition_; }
  std::size_t size() const { return rows_; }

 private:
  struct Locality {
    std::string insee;
    std::string display_name;
    std::vector<std::string> folded_names;
  };

  std::unordered_map<std::string, std::vector<Locality>> by_postal_code_;
  std::string edition_;
  std::size_t rows_ = 0;
};

// Folds a commune name for comparison: foldFrench, then SAINT → ST, SAINTE → STE.
std::string foldCommuneName(const std::string& name);

}  // namespace alur::lease
