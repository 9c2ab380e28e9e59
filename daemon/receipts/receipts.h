// The files the platform sends back for each uploaded file: an acknowledgement, an integration
// report with one line per dwelling, and a certificate of transmission (PDF).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "store/store.h"

namespace alur::receipts {

struct Acknowledgement {
  bool accepted = false;  // statut=RECU; false for statut=REJETE
  std::string reason;     // motif=, when rejected
  std::string sha256;     // sha256= of the file the platform received, when given
  std::string size;       // taille= in bytes, when given
};

// Reads "key=value" lines; an unknown statut is reported as an error, not guessed.
Result<Acknowledgement> parseAcknowledgement(const std::string& bytes);

// Reads the integration report: a header line, then dwelling id, status and reason separated
// by `settings.report_separator`. Statuses are mapped to "integrated" and "rejected"; any other
// status is kept as the platform wrote it.
Result<std::vector<store::ReportLine>> parseReport(const std::string& bytes,
                                                   const config::ReceiptSettings& settings);

// Returns the name of the receipt of `kind` for the uploaded `file_name`, from its pattern.
std::string receiptName(const std::string& pattern, const std::string& file_name);

// True for a plain file name that cannot leave the archive folder: no '/', '\', "..", drive
// letter, control character, leading dot or empty name.
bool isSafeFileName(const std::string& name);

}  // namespace alur::receipts
