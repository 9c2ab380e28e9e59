// The contribution file of the annex to the arrêté du 29 août 2014: a header line, then one
// ';'-separated line of 55 positions per dwelling, named [YEAR]_[IDENTPRO]_[NNN].CSV.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lease/record.h"

namespace alur::batch {

// The agency's identity, written on every line; it comes from the configuration.
struct Contributor {
  std::string siret;              // 14 digits
  std::string ident_pro;          // the [IDENTPRO] part of file names
  std::string professional_card;  // "CPI 7501 2016 000 012 345", spaces are dropped
  std::string company_name;       // raison sociale
  int data_source = 2;            // 1 administrateur de biens, 2 agence immobilière
  int management_type = 1;        // 1 gestion déléguée, 2 gestion directe
  int collection_mode = 1;        // 1 transfert de fichiers
};

enum class OutputEncoding { kUtf8, kWindows1252, kIso8859_15 };

// Position 8 allows 10 characters but current card numbers have 20.
enum class CardNumberPolicy {
  kKeepWhole,  // write all 20 characters (the platform's current practice is unknown)
  kTruncate,   // keep the first 10 characters, the annex's maximum length
};

struct FileOptions {
  OutputEncoding encoding = OutputEncoding::kWindows1252;
  std::string line_ending = "\r\n";
  CardNumberPolicy card_number = CardNumberPolicy::kKeepWhole;
  std::string comment;  // header comment, at most 200 characters
};

// Number of positions on a dwelling line.
constexpr int kDwellingPositions = 55;

std::string fileName(int year, const std::string& ident_pro, int sequence);

// Returns the header line, encoded, without line ending.
std::string headerLine(int year, const Contributor& contributor, int lease_count,
                       const FileOptions& options);

// Returns the dwelling line, encoded, without line ending. Text longer than its position's
// maximum is cut, and `warnings` receives one sentence per cut.
std::string dwellingLine(const lease::LeaseRecord& record, const Contributor& contributor,
                         const FileOptions& options, const lease::Date& survey_date,
                         const std::optional<lease::Date>& previous_survey_date,
                         std::vector<std::string>* warnings);

// Converts UTF-8 text to `encoding`; characters the encoding lacks become '?'.
std::string encodeText(const std::string& utf8, OutputEncoding encoding);

}  // namespace alur::batch
