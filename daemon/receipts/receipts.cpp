#include "receipts/receipts.h"

#include <sstream>

#include "common/text.h"

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

Result<std::vector<store::ReportLine>> parseReport(const std::string& bytes,
                                                   const config::ReceiptSettings& settings) {
  std::vector<store::ReportLine> lines;
  std::istringstream in(bytes);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) {
      line.erase(0, 3);
    }
    if (trim(line).empty() || line_no == 1) {
      continue;  // the first line contains the column names
    }
    auto fields = split(line, settings.report_separator);
    if (fields.size() < 2) {
      return Status::Error("integration report line " + std::to_string(line_no) + ": expected id" +
                           settings.report_separator + "status" + settings.report_separator +
                           "reason, found: " + trim(line));
    }
    store::ReportLine out;
    out.dwelling_id = trim(fields[0]);
    std::string status = trim(fields[1]);
    if (status == settings.report_status_integrated) {
      out.status = "integrated";
    } else if (status == settings.report_status_rejected) {
      out.status = "rejected";
    } else {
      out.status = status;
    }
    out.reason = fields.size() > 2 ? trim(fields[2]) : "";
    lines.push_back(std::move(out));
  }
  return lines;
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
