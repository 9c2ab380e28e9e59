#include "receipts/receipts.h"

#include <algorithm>
#include <sstream>

#include "common/text.h"
#include "ingest/encoding.h"

namespace alur::receipts {

Result<Acknowledgement> parseAcknowledgement(const std::string& bytes) {
  Acknowledgement ack;
  std::string status;
  std::istringstream in(bytes);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    std::string key = toLowerAscii(trim(line.substr(0, eq)));
    std::string value = trim(line.substr(eq + 1));
    if (key == "statut") {
      status = toUpperAscii(value);
    } else if (key == "motif") {
      ack.reason = value;
    } else if (key == "sha256") {
      ack.sha256 = toLowerAscii(value);
    } else if (key == "taille") {
      ack.size = value;
    }
  }
  if (status == "RECU") {
    ack.accepted = true;
  } else if (status == "REJETE") {
    ack.accepted = false;
  } else {
    return Status::Error("acknowledgement without a known statut (found \"" + status +
                         "\"; expected RECU or REJETE)");
  }
  return ack;
}

Result<std::vector<store::ReportLine>> parseReport(const std::string& raw,
                                                   const config::ReceiptSettings& settings) {
  auto encoding = ingest::parseEncoding(settings.report_encoding);
  if (!encoding) {
    return encoding.status();
  }
  auto bytes = ingest::decodeToUtf8(raw, *encoding);
  if (!bytes) {
    return Status::Error("integration report: " + bytes.message() +
                         "; set receipts.report_encoding to the report's encoding");
  }
  std::vector<store::ReportLine> lines;
  std::istringstream in(*bytes);
  std::string line;
  int line_no = 0;
  const int needed = std::max(settings.report_id_column, settings.report_status_column) + 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty() || line_no == 1) {
      continue;  // the first line contains the column names
    }
    auto fields = split(line, settings.report_separator);
    if (static_cast<int>(fields.size()) < needed) {
      return Status::Error("integration report line " + std::to_string(line_no) + ": " +
                           std::to_string(fields.size()) + " column(s) separated by '" +
                           settings.report_separator + "', the dwelling id and status need " +
                           std::to_string(needed) +
                           " (receipts.report_columns); found: " + trim(line).substr(0, 200));
    }
    store::ReportLine out;
    out.dwelling_id = trim(fields[settings.report_id_column]);
    std::string status = trim(fields[settings.report_status_column]);
    if (status == settings.report_status_integrated) {
      out.status = "integrated";
    } else if (status == settings.report_status_rejected) {
      out.status = "rejected";
    } else {
      out.status = status;
    }
    int reason = settings.report_reason_column;
    out.reason = static_cast<int>(fields.size()) > reason ? trim(fields[reason]) : "";
    lines.push_back(std::move(out));
  }
  return lines;
}

std::optional<std::string> stemOf(const std::string& pattern, const std::string& name) {
  auto pos = pattern.find("{stem}");
  if (pos == std::string::npos) {
    return std::nullopt;
  }
  std::string prefix = pattern.substr(0, pos);
  std::string suffix = pattern.substr(pos + 6);
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

std::string receiptName(const std::string& pattern, const std::string& file_name) {
  std::string stem = file_name;
  if (stem.size() > 4 && toUpperAscii(stem.substr(stem.size() - 4)) == ".CSV") {
    stem.erase(stem.size() - 4);
  }
  std::string out = pattern;
  auto pos = out.find("{stem}");
  if (pos != std::string::npos) {
    out.replace(pos, 6, stem);
  }
  return out;
}

bool isSafeFileName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name[0] == '.') {
    return false;
  }
  if (name.find("..") != std::string::npos) {
    return false;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == ':') {
      return false;
    }
  }
  return true;
}

}  // namespace alur::receipts
