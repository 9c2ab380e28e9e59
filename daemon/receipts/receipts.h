// The files the platform sends back for each uploaded file: an acknowledgement, an integration
// report with one line per dwelling, and a certificate of transmission (PDF).
#pragma once

#include <optional>
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

// Reads the integration report in `settings.report_encoding`: a header line, then lines whose
// fields, separated by `settings.report_separator`, hold the dwelling id, the status and the
// reason in the configured columns. Statuses are mapped to "integrated" and "rejected"; any
// other status is kept as the platform wrote it.
Result<std::vector<store::ReportLine>> parseReport(const std::string& bytes,
                                                   const config::ReceiptSettings& settings);

// Returns the name of the receipt of `kind` for the uploaded `file_name`, from its pattern.
std::string receiptName(const std::string& pattern, const std::string& file_name);

// Returns the {stem} part of `name` when `name` matches `pattern`, e.g. "2026_X_001" for
// "2026_X_001.ACK.TXT" and "{stem}.ACK.TXT".
std::optional<std::string> stemOf(const std::string& pattern, const std::string& name);

// True for a plain file name that cannot leave the archive folder: no '/', '\', "..", drive
// letter, control character, leading dot or empty name.
bool isSafeFileName(const std::string& name);

}  // namespace alur::receipts
