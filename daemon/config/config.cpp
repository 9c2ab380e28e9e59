#include "config/config.h"

#include <fstream>
#include <regex>

#include <boost/program_options.hpp>

#include "common/text.h"

namespace alur::config {
namespace {

namespace po = boost::program_options;

struct RawValues {
  std::string export_folder, profile, file_pattern, state_dir, log_level, log_file;
  int stable_seconds = 0, rescan_seconds = 0;
  std::string siret, ident_pro, card, company;
  int data_source = 0, management_type = 0;
  std::string encoding, line_ending, card_policy, comment;
  std::string host, user, password, ca_file, tls_mode, upload_dir, return_dir, temp_suffix;
  int port = 0, connect_timeout = 0, transfer_timeout = 0;
  std::string schedule_mode, daily_at;
  int delay_seconds = 0, retry_initial = 0, retry_max = 0;
  int poll_seconds = 0;
  std::string ack_pattern, report_pattern, certificate_pattern, report_separator;
  std::string status_integrated, status_rejected;
  std::string postal_table;
};

po::options_description describe(RawValues& v) {
  po::options_description d("alur-relay configuration");
  d.add_options()("service.state_dir",
                  po::value(&v.state_dir)->default_value("/var/lib/alur-relay"))(
      "service.log_level", po::value(&v.log_level)->default_value("info"))(
      "service.log_file", po::value(&v.log_file)->default_value(""))(
      "export.folder", po::value(&v.export_folder))("export.profile", po::value(&v.profile))(
      "export.file_pattern", po::value(&v.file_pattern)->default_value("*.csv"))(
      "export.stable_seconds", po::value(&v.stable_seconds)->default_value(10))(
      "export.rescan_seconds", po::value(&v.rescan_seconds)->default_value(300))(
      "contributor.siret", po::value(&v.siret))("contributor.ident_pro",
                                                po::value(&v.ident_pro)->default_value(""))(
      "contributor.professional_card", po::value(&v.card))("contributor.company_name",
                                                           po::value(&v.company))(
      "contributor.data_source", po::value(&v.data_source)->default_value(2))(
      "contributor.management_type", po::value(&v.management_type)->default_value(1))(
      "official.encoding", po::value(&v.encoding)->default_value("windows-1252"))(
      "official.line_ending", po::value(&v.line_ending)->default_value("crlf"))(
      "official.card_number", po::value(&v.card_policy)->default_value("keep"))(
      "official.comment", po::value(&v.comment)->default_value(""))(
      "platform.host", po::value(&v.host))("platform.port", po::value(&v.port)->default_value(21))(
      "platform.user", po::value(&v.user))("platform.password", po::value(&v.password))(
      "platform.ca_file", po::value(&v.ca_file)->default_value(""))(
      "platform.tls", po::value(&v.tls_mode)->default_value("explicit"))(
      "platform.upload_dir", po::value(&v.upload_dir)->default_value("/"))(
      "platform.return_dir", po::value(&v.return_dir)->default_value("/"))(
      "platform.temp_suffix", po::value(&v.temp_suffix)->default_value(".part"))(
      "platform.connect_timeout_seconds", po::value(&v.connect_timeout)->default_value(30))(
      "platform.transfer_timeout_seconds", po::value(&v.transfer_timeout)->default_value(600))(
      "schedule.mode", po::value(&v.schedule_mode)->default_value("daily"))(
      "schedule.daily_at", po::value(&v.daily_at)->default_value("02:30"))(
      "schedule.delay_seconds", po::value(&v.delay_seconds)->default_value(300))(
      "schedule.retry_initial_seconds", po::value(&v.retry_initial)->default_value(60))(
      "schedule.retry_max_seconds", po::value(&v.retry_max)->default_value(3600))(
      "receipts.poll_seconds", po::value(&v.poll_seconds)->default_value(300))(
      "receipts.ack_pattern", po::value(&v.ack_pattern)->default_value("{stem}.ACK.TXT"))(
      "receipts.report_pattern", po::value(&v.report_pattern)->default_value("{stem}.RAPPORT.CSV"))(
      "receipts.certificate_pattern",
      po::value(&v.certificate_pattern)->default_value("{stem}.CERTIFICAT.PDF"))(
      "receipts.report_separator", po::value(&v.report_separator)->default_value(";"))(
      "receipts.status_integrated", po::value(&v.status_integrated)->default_value("INTEGRE"))(
      "receipts.status_rejected", po::value(&v.status_rejected)->default_value("REJETE"))(
      "reference.postal_table",
      po::value(&v.postal_table)->default_value("/usr/share/alur-relay/laposte_hexasmal.csv"));
  return d;
}

// Relative paths in the file are relative to the folder that holds the file.
std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
  std::filesystem::path p(value);
  if (p.empty() || p.is_absolute()) {
    return p;
  }
  return (base / p).lexically_normal();
}

Status required(const std::string& value, const char* key, const char* fix) {
  if (trim(value).empty()) {
    return Status::Error(std::string("missing key ") + key + ": " + fix);
  }
  return Status::Ok();
}

bool luhnValid(const std::string& digits) {
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

// La Poste's establishments share SIREN 356000000 and use a digit sum divisible by 5.
bool siretValid(const std::string& siret) {
  if (siret.size() != 14 || !isDigits(siret)) {
    return false;
  }
  if (siret.rfind("356000000", 0) == 0) {
    int sum = 0;
    for (char c : siret) {
      sum += c - '0';
    }
    return sum % 5 == 0;
  }
  return luhnValid(siret);
}

Result<batch::OutputEncoding> parseOutputEncoding(const std::string& name) {
  std::string lower = toLowerAscii(name);
  if (lower == "utf-8" || lower == "utf8") {
    return batch::OutputEncoding::kUtf8;
  }
  if (lower == "windows-1252" || lower == "cp1252") {
    return batch::OutputEncoding::kWindows1252;
  }
  if (lower == "iso-8859-15" || lower == "latin-9") {
    return batch::OutputEncoding::kIso8859_15;
  }
  return Status::Error("official.encoding = " + name +
                       " is not supported; use windows-1252, iso-8859-15 or utf-8");
}

Status checkContributor(const RawValues& v, Config& c) {
  for (auto [value, key, fix] :
       {std::tuple{v.siret, "contributor.siret", "set the agency's 14-digit SIRET"},
        std::tuple{v.card, "contributor.professional_card",
                   "set the professional card number (carte professionnelle, e.g. CPI 7501 "
                   "2016 000 012 345)"},
        std::tuple{v.company, "contributor.company_name", "set the agency's company name"}}) {
    if (Status s = required(value, key, fix); !s) {
      return s;
    }
  }
  std::string siret = trim(v.siret);
  if (!siretValid(siret)) {
    return Status::Error("contributor.siret = " + siret +
                         " is not a valid SIRET (14 digits passing the Luhn check); copy it "
                         "from the agency's Kbis or from annuaire-entreprises.data.gouv.fr");
  }
  if (v.data_source != 1 && v.data_source != 2) {
    return Status::Error("contributor.data_source = " + std::to_string(v.data_source) +
                         " is invalid; use 1 (administrateur de biens) or 2 (agence "
                         "immobilière)");
  }
  if (v.management_type != 1 && v.management_type != 2) {
    return Status::Error("contributor.management_type = " + std::to_string(v.management_type) +
                         " is invalid; use 1 (gestion déléguée) or 2 (gestion directe)");
  }
  c.contributor.siret = siret;
  c.contributor.ident_pro = v.ident_pro.empty() ? siret : trim(v.ident_pro);
  if (!std::regex_match(c.contributor.ident_pro, std::regex("[A-Za-z0-9]+"))) {
    return Status::Error("contributor.ident_pro = " + c.contributor.ident_pro +
                         " must contain only letters and digits, since it is part of the file "
                         "name sent to the platform");
  }
  c.contributor.professional_card = trim(v.card);
  c.contributor.company_name = trim(v.company);
  c.contributor.data_source = v.data_source;
  c.contributor.management_type = v.management_type;
  return Status::Ok();
}

Status checkOfficial(const RawValues& v, Config& c) {
  auto encoding = parseOutputEncoding(v.encoding);
  if (!encoding) {
    return encoding.status();
  }
  c.file_options.encoding = *encoding;
  if (v.line_ending == "crlf") {
    c.file_options.line_ending = "\r\n";
  } else if (v.line_ending == "lf") {
    c.file_options.line_ending = "\n";
  } else {
    return Status::Error("official.line_ending = " + v.line_ending + " is invalid; use crlf or lf");
  }
  if (v.card_policy == "keep") {
    c.file_options.card_number = batch::CardNumberPolicy::kKeepWhole;
  } else if (v.card_policy == "truncate") {
    c.file_options.card_number = batch::CardNumberPolicy::kTruncate;
  } else {
    return Status::Error("official.card_number = " + v.card_policy +
                         " is invalid; use keep or truncate");
  }
  c.file_options.comment = v.comment;
  return Status::Ok();
}

Status checkPlatform(const RawValues& v, Config& c, const std::filesystem::path& base) {
  for (auto [value, key, fix] :
       {std::tuple{v.host, "platform.host", "set the FTPS host given by the observatory"},
        std::tuple{v.user, "platform.user", "set the FTPS login given by the observatory"},
        std::tuple{v.password, "platform.password",
                   "set the FTPS password given by the observatory"}}) {
    if (Status s = required(value, key, fix); !s) {
      return s;
    }
  }
  if (v.port < 1 || v.port > 65535) {
    return Status::Error("platform.port = " + std::to_string(v.port) +
                         " is not a TCP port (1 to 65535)");
  }
  if (v.tls_mode != "explicit" && v.tls_mode != "implicit") {
    return Status::Error("platform.tls = " + v.tls_mode +
                         " is invalid; use explicit (AUTH TLS, usually port 21) or implicit "
                         "(usually port 990). Clear-text FTP is not offered.");
  }
  c.ftps.host = trim(v.host);
  c.ftps.port = v.port;
  c.ftps.user = v.user;
  c.ftps.password = v.password;
  c.ftps.ca_file = resolve(base, v.ca_file).string();
  c.ftps.implicit_tls = v.tls_mode == "implicit";
  c.ftps.connect_timeout_seconds = v.connect_timeout;
  c.ftps.transfer_timeout_seconds = v.transfer_timeout;
  if (!c.ftps.ca_file.empty() && !std::filesystem::exists(c.ftps.ca_file)) {
    return Status::Error("platform.ca_file = " + c.ftps.ca_file +
                         " does not exist; give the PEM file of the authority that signed the "
                         "platform's certificate, or leave it empty for the system store");
  }
  c.upload_dir = v.upload_dir;
  c.return_dir = v.return_dir;
  c.temp_suffix = v.temp_suffix;
  if (c.temp_suffix.empty() || c.temp_suffix.find('/') != std::string::npos) {
    return Status::Error("platform.temp_suffix must be a non-empty suffix without '/', e.g. .part");
  }
  return Status::Ok();
}

Status checkSchedule(const RawValues& v, Config& c) {
  if (v.schedule_mode != "daily" && v.schedule_mode != "after-import") {
    return Status::Error("schedule.mode = " + v.schedule_mode +
                         " is invalid; use daily (at schedule.daily_at) or after-import");
  }
  std::smatch m;
  if (!std::regex_match(v.daily_at, m, std::regex("([01]?[0-9]|2[0-3]):([0-5][0-9])"))) {
    return Status::Error("schedule.daily_at = " + v.daily_at +
                         " is not a time of day; write HH:MM in local time, e.g. 02:30");
  }
  c.schedule.mode = v.schedule_mode;
  c.schedule.daily_hour = std::stoi(m[1]);
  c.schedule.daily_minute = std::stoi(m[2]);
  for (auto [value, key] : {std::pair{v.delay_seconds, "schedule.delay_seconds"},
                            std::pair{v.retry_initial, "schedule.retry_initial_seconds"},
                            std::pair{v.retry_max, "schedule.retry_max_seconds"},
                            std::pair{v.poll_seconds, "receipts.poll_seconds"},
                            std::pair{v.stable_seconds, "export.stable_seconds"},
                            std::pair{v.rescan_seconds, "export.rescan_seconds"}}) {
    if (value < 0 || value > 7 * 24 * 3600) {
      return Status::Error(std::string(key) + " = " + std::to_string(value) +
                           " is out of range; use a number of seconds between 0 and 604800");
    }
  }
  c.schedule.delay_seconds = v.delay_seconds;
  c.schedule.retry_initial_seconds = std::max(1, v.retry_initial);
  c.schedule.retry_max_seconds = std::max(c.schedule.retry_initial_seconds, v.retry_max);
  c.receipts.poll_seconds = std::max(1, v.poll_seconds);
  c.stable_seconds = v.stable_seconds;
  c.rescan_seconds = std::max(1, v.rescan_seconds);
  return Status::Ok();
}

Status checkReceipts(const RawValues& v, Config& c) {
  for (auto [value, key] : {std::pair{v.ack_pattern, "receipts.ack_pattern"},
                            std::pair{v.report_pattern, "receipts.report_pattern"},
                            std::pair{v.certificate_pattern, "receipts.certificate_pattern"}}) {
    if (value.find("{stem}") == std::string::npos) {
      return Status::Error(std::string(key) + " = " + value +
                           " must contain {stem}, the uploaded file's name without .CSV");
    }
  }
  if (v.report_separator.size() != 1) {
    return Status::Error("receipts.report_separator must be one character, e.g. ;");
  }
  c.receipts.ack_pattern = v.ack_pattern;
  c.receipts.report_pattern = v.report_pattern;
  c.receipts.certificate_pattern = v.certificate_pattern;
  c.receipts.report_separator = v.report_separator[0];
  c.receipts.report_status_integrated = v.status_integrated;
  c.receipts.report_status_rejected = v.status_rejected;
  return Status::Ok();
}

Status checkFolders(const RawValues& v, Config& c, const std::filesystem::path& base) {
  if (Status s = required(v.export_folder, "export.folder",
                          "set the folder where the management software writes its exports");
      !s) {
    return s;
  }
  if (Status s = required(v.profile, "export.profile",
                          "set the profile file that describes the export format");
      !s) {
    return s;
  }
  c.export_folder = resolve(base, v.export_folder);
  c.profile = resolve(base, v.profile);
  c.state_dir = resolve(base, v.state_dir);
  c.postal_table = resolve(base, v.postal_table);
  c.file_pattern = v.file_pattern;
  c.log_level = v.log_level;
  c.log_file = v.log_file.empty() ? "" : resolve(base, v.log_file).string();
  std::error_code ec;
  if (!std::filesystem::is_directory(c.export_folder, ec)) {
    return Status::Error("export.folder = " + c.export_folder.string() +
                         " is not a folder; create it or correct the path");
  }
  if (!std::filesystem::exists(c.profile, ec)) {
    return Status::Error("export.profile = " + c.profile.string() +
                         " does not exist; profiles are installed in the profiles folder next "
                         "to the configuration");
  }
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end()) {
    return Status::Error("service.log_level = " + c.log_level +
                         " is invalid; use trace, debug, info, warn or error");
  }
  return Status::Ok();
}

}  // namespace

Result<Config> loadConfig(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::Error("cannot read the configuration " + path.string() +
                         ": check the path and that the service account may read it");
  }
  RawValues v;
  po::variables_map values;
  try {
    po::store(po::parse_config_file(in, describe(v), /*allow_unregistered=*/false), values);
    po::notify(values);
  } catch (const po::error& e) {
    return Status::Error(path.string() + ": " + e.what() +
                         " (see config/alur-relay.conf.example for every key and its section)");
  }
  Config c;
  c.source = std::filesystem::absolute(path);
  std::filesystem::path base = c.source.parent_path();
  for (const auto& step : {checkFolders(v, c, base), checkContributor(v, c), checkOfficial(v, c),
                           checkPlatform(v, c, base), checkSchedule(v, c), checkReceipts(v, c)}) {
    if (!step) {
      return Status::Error(path.string() + ": " + step.message());
    }
  }
  return c;
}

}  // namespace alur::config
