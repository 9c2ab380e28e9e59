#include "config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include "common/ini.h"
#include "common/system.h"
#include "common/text.h"
#include "config/config_source.h"
#include "ingest/encoding.h"
#include "lease/identifiers.h"

namespace alur::config {
namespace {

// The [IDENTPRO] part of file names; 32 characters leave room in any file system.
constexpr std::size_t kMaxIdentProLength = 32;

#ifdef _WIN32
// Service account set by the MSI (installer/windows/alur-relay.wxs).
constexpr const char* kServiceAccount = "NT SERVICE\\alur-relay";
constexpr const char* kServiceInstaller = "the MSI installs the service to run";
#else
// Service account set by User= in the packaged unit (service-wrappers/systemd/alur-relay.service).
constexpr const char* kServiceAccount = "alur-relay";
constexpr const char* kServiceInstaller = "the packaged systemd unit runs the service";
#endif

struct RawValues {
  std::string export_folder, profile, file_pattern, state_dir, log_level, log_file;
  int log_max_megabytes = 0, log_files = 0;
  int stable_seconds = 0, rescan_seconds = 0;
  std::string siret, ident_pro, card, company;
  int data_source = 0, management_type = 0;
  std::string encoding, line_ending, card_policy, comment;
  std::string host, user, password, ca_file, tls_mode, upload_dir, return_dir, temp_suffix;
  std::string rename;
  int port = 0, connect_timeout = 0, transfer_timeout = 0;
  std::string schedule_mode, schedule_time, daily_at, window_from, window_until, days;
  int delay_seconds = 0, every_minutes = 0, retry_initial = 0, retry_max = 0;
  int poll_seconds = 0;
  std::string ack_pattern, report_pattern, certificate_pattern, report_separator;
  std::string status_integrated, status_rejected, report_encoding, report_columns;
  std::string postal_table;
  std::string status_listen_address, status_allow_remote;
  int status_port = 0, health_window_minutes = 0, min_free_megabytes = 0;
  int max_days_without_export = 0;
  std::string email_server, email_security, email_user, email_password, email_ca_file;
  std::string email_from, email_to, email_alerts_to, email_summary, email_summary_at;
  int email_port = 0, alert_after_minutes = 0, email_timeout = 0;
};

po::options_description describe(RawValues& v) {
  po::options_description d("alur-relay configuration");
  // clang-format off
  d.add_options()
      ("service.state_dir", po::value(&v.state_dir)->default_value("/var/lib/alur-relay"))
      ("service.log_level", po::value(&v.log_level)->default_value("info"))
      ("service.log_file", po::value(&v.log_file)->default_value(""))
      ("service.log_max_megabytes", po::value(&v.log_max_megabytes)->default_value(10))
      ("service.log_files", po::value(&v.log_files)->default_value(5))
      ("export.folder", po::value(&v.export_folder))
      ("export.profile", po::value(&v.profile))
      ("export.file_pattern", po::value(&v.file_pattern)->default_value("*.csv"))
      ("export.stable_seconds", po::value(&v.stable_seconds)->default_value(10))
      ("export.rescan_seconds", po::value(&v.rescan_seconds)->default_value(300))
      ("contributor.siret", po::value(&v.siret))
      ("contributor.ident_pro", po::value(&v.ident_pro)->default_value(""))
      ("contributor.professional_card", po::value(&v.card))
      ("contributor.company_name", po::value(&v.company))
      ("contributor.data_source", po::value(&v.data_source)->default_value(2))
      ("contributor.management_type", po::value(&v.management_type)->default_value(1))
      ("official.encoding", po::value(&v.encoding)->default_value("windows-1252"))
      ("official.line_ending", po::value(&v.line_ending)->default_value("crlf"))
      ("official.card_number", po::value(&v.card_policy)->default_value("keep"))
      ("official.comment", po::value(&v.comment)->default_value(""))
      ("platform.host", po::value(&v.host))
      ("platform.port", po::value(&v.port)->default_value(21))
      ("platform.user", po::value(&v.user))
      ("platform.password", po::value(&v.password))
      ("platform.ca_file", po::value(&v.ca_file)->default_value(""))
      ("platform.tls", po::value(&v.tls_mode)->default_value("explicit"))
      ("platform.upload_dir", po::value(&v.upload_dir)->default_value("/"))
      ("platform.return_dir", po::value(&v.return_dir)->default_value("/"))
      ("platform.temp_suffix", po::value(&v.temp_suffix)->default_value(".part"))
      ("platform.rename", po::value(&v.rename)->default_value("yes"))
      ("platform.connect_timeout_seconds", po::value(&v.connect_timeout)->default_value(30))
      ("platform.transfer_timeout_seconds", po::value(&v.transfer_timeout)->default_value(600))
      ("schedule.mode", po::value(&v.schedule_mode)->default_value("daily"))
      ("schedule.time", po::value(&v.schedule_time)->default_value("02:30"))
      ("schedule.daily_at", po::value(&v.daily_at)->default_value(""))
      ("schedule.every_minutes", po::value(&v.every_minutes)->default_value(30))
      ("schedule.from", po::value(&v.window_from)->default_value("08:00"))
      ("schedule.until", po::value(&v.window_until)->default_value("19:00"))
      ("schedule.days", po::value(&v.days)->default_value("mon-sun"))
      ("schedule.delay_seconds", po::value(&v.delay_seconds)->default_value(300))
      ("schedule.retry_initial_seconds", po::value(&v.retry_initial)->default_value(60))
      ("schedule.retry_max_seconds", po::value(&v.retry_max)->default_value(3600))
      ("receipts.poll_seconds", po::value(&v.poll_seconds)->default_value(300))
      ("receipts.ack_pattern", po::value(&v.ack_pattern)->default_value("{stem}.ACK.TXT"))
      ("receipts.report_pattern", po::value(&v.report_pattern)->default_value("{stem}.RAPPORT.CSV"))
      ("receipts.certificate_pattern",
       po::value(&v.certificate_pattern)->default_value("{stem}.CERTIFICAT.PDF"))
      ("receipts.report_separator", po::value(&v.report_separator)->default_value(";"))
      ("receipts.status_integrated", po::value(&v.status_integrated)->default_value("INTEGRE"))
      ("receipts.status_rejected", po::value(&v.status_rejected)->default_value("REJETE"))
      ("receipts.report_encoding", po::value(&v.report_encoding)->default_value("auto"))
      ("receipts.report_columns", po::value(&v.report_columns)->default_value("1,2,3"))
      ("reference.postal_table",
       po::value(&v.postal_table)->default_value("/usr/share/alur-relay/laposte_hexasmal.csv"))
      ("status.listen_address", po::value(&v.status_listen_address)->default_value("127.0.0.1"))
      ("status.port", po::value(&v.status_port)->default_value(8470))
      ("status.allow_remote", po::value(&v.status_allow_remote)->default_value("no"))
      ("status.health_window_minutes", po::value(&v.health_window_minutes)->default_value(60))
      ("status.min_free_megabytes", po::value(&v.min_free_megabytes)->default_value(200))
      ("status.max_days_without_export",
       po::value(&v.max_days_without_export)->default_value(8))
      ("email.server", po::value(&v.email_server)->default_value(""))
      ("email.port", po::value(&v.email_port)->default_value(587))
      ("email.security", po::value(&v.email_security)->default_value("starttls"))
      ("email.user", po::value(&v.email_user)->default_value(""))
      ("email.password", po::value(&v.email_password)->default_value(""))
      ("email.ca_file", po::value(&v.email_ca_file)->default_value(""))
      ("email.from", po::value(&v.email_from)->default_value(""))
      ("email.to", po::value(&v.email_to)->default_value(""))
      ("email.alerts_to", po::value(&v.email_alerts_to)->default_value(""))
      ("email.alert_after_minutes", po::value(&v.alert_after_minutes)->default_value(240))
      ("email.summary", po::value(&v.email_summary)->default_value("off"))
      ("email.summary_at", po::value(&v.email_summary_at)->default_value("08:00"))
      ("email.timeout_seconds", po::value(&v.email_timeout)->default_value(60));
  // clang-format on
  return d;
}

std::string accountHint(const char* access) {
  return std::string("give the account that runs the service ") + access +
         " access to it (this check ran as " + accountName() + "; " + kServiceInstaller + " as " +
         kServiceAccount + ")";
}

Status required(const ConfigSource& source, const std::string& value, const char* key,
                const char* fix) {
  if (!trim(value).empty()) {
    return Status::Ok();
  }
  return source.error(
      key, std::string(source.lineOf(key) == 0 ? "is missing" : "is empty") + "; " + fix);
}

// Checks the card number issued by the chambers of commerce (CCI) since July 2015: "CPI", the
// CCI's 4-digit code, the 4-digit year of issue and a 9-digit serial, with or without spaces.
Status checkProfessionalCard(const ConfigSource& source, const std::string& card) {
  constexpr const char* kKey = "contributor.professional_card";
  auto year = lease::professionalCardYear(card);
  if (!year) {
    return source.valueError(kKey, card,
                             "is not a professional card number; copy it from the card: CPI, "
                             "the 4-digit CCI code, the 4-digit year of issue and the 9-digit "
                             "serial, e.g. CPI 7501 2016 000 012 345");
  }
  if (!lease::isValidProfessionalCard(card)) {
    return source.valueError(kKey, card,
                             "has the year of issue " + std::to_string(*year) +
                                 ", but CPI cards exist only since 2015; copy the number "
                                 "from the card");
  }
  return Status::Ok();
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
  return Status::Error("is not supported; use windows-1252, iso-8859-15 or utf-8");
}

// Reports every required key that is missing or empty in one message, so that a fresh
// installation learns at once all that it must fill in. With one such key, the check of its
// section reports it with its own advice.
Status checkRequiredKeys(const RawValues& v, const ConfigSource& source) {
  std::vector<std::string> unset;
  for (auto [value, key] :
       {std::pair{v.export_folder, "export.folder"}, std::pair{v.profile, "export.profile"},
        std::pair{v.siret, "contributor.siret"}, std::pair{v.card, "contributor.professional_card"},
        std::pair{v.company, "contributor.company_name"}, std::pair{v.host, "platform.host"},
        std::pair{v.user, "platform.user"}, std::pair{v.password, "platform.password"}}) {
    if (trim(value).empty()) {
      int line = source.lineOf(key);
      unset.push_back(std::string(key) +
                      (line == 0 ? " (missing)" : " (line " + std::to_string(line) + ")"));
    }
  }
  if (unset.size() < 2) {
    return Status::Ok();
  }
  std::string list;
  for (const auto& item : unset) {
    list += (list.empty() ? "" : ", ") + item;
  }
  return Status::Error(source.file().string() + ": " + std::to_string(unset.size()) +
                       " required keys are empty: " + list +
                       ". Set each one (the comment above it in alur-relay.conf.example says "
                       "what it is), then run alur-relay check-config again");
}

Status checkExport(const RawValues& v, const ConfigSource& source, Config& c) {
  if (Status s = required(source, v.export_folder, "export.folder",
                          "set the folder where the management software writes its exports");
      !s) {
    return s;
  }
  if (Status s = required(source, v.profile, "export.profile",
                          "set the profile file that describes the export format, e.g. "
                          "/usr/share/alur-relay/profiles/sample-a.profile");
      !s) {
    return s;
  }
  c.export_folder = source.resolve(v.export_folder);
  c.profile = source.resolve(v.profile);
  c.file_pattern = v.file_pattern;
  if (std::string problem = checkFilePattern(c.file_pattern); !problem.empty()) {
    return source.valueError("export.file_pattern", c.file_pattern,
                             problem + "; write a shell pattern such as *.csv or export_*.xml");
  }
  std::error_code ec;
  if (!fs::is_directory(c.export_folder, ec)) {
    return source.valueError("export.folder", c.export_folder.string(),
                             "is not a folder; create it or correct the path");
  }
  if (!fs::exists(c.profile, ec)) {
    return source.valueError("export.profile", c.profile.string(),
                             "does not exist; the profiles shipped with alur-relay are in "
                             "/usr/share/alur-relay/profiles/ once installed, and in "
                             "config/profiles/ in the source tree");
  }
  if (fs::is_directory(c.profile, ec)) {
    return source.valueError(
        "export.profile", c.profile.string(),
        "is a folder; name the profile file, e.g. " + (c.profile / "sample-a.profile").string());
  }
  if (!fs::is_regular_file(c.profile, ec)) {
    return source.valueError("export.profile", c.profile.string(),
                             "is not a regular file; name the profile file");
  }
  return Status::Ok();
}

Status checkContributor(const RawValues& v, const ConfigSource& source, Config& c) {
  for (auto [value, key, fix] :
       {std::tuple{v.siret, "contributor.siret", "set the agency's 14-digit SIRET"},
        std::tuple{v.card, "contributor.professional_card",
                   "set the professional card number (carte professionnelle, e.g. CPI 7501 "
                   "2016 000 012 345)"},
        std::tuple{v.company, "contributor.company_name", "set the agency's company name"}}) {
    if (Status s = required(source, value, key, fix); !s) {
      return s;
    }
  }

  std::string siret = trim(v.siret);
  if (!lease::isValidSiret(siret)) {
    return source.valueError("contributor.siret", siret,
                             "is not a valid SIRET (14 digits passing the Luhn check); copy it "
                             "from the agency's Kbis or from annuaire-entreprises.data.gouv.fr");
  }

  std::string card = trim(v.card);
  if (Status s = checkProfessionalCard(source, card); !s) {
    return s;
  }

  std::string company = trim(v.company);
  if (std::size_t length = utf8Length(company); length > 20) {
    return source.valueError("contributor.company_name", company,
                             "has " + std::to_string(length) +
                                 " characters, but position 8c of the official file holds 20; "
                                 "shorten it to 20 characters");
  }

  if (v.data_source != 1 && v.data_source != 2) {
    return source.valueError("contributor.data_source", std::to_string(v.data_source),
                             "is invalid; use 1 (administrateur de biens) or 2 (agence "
                             "immobilière)");
  }
  if (v.management_type != 1 && v.management_type != 2) {
    return source.valueError("contributor.management_type", std::to_string(v.management_type),
                             "is invalid; use 1 (gestion déléguée) or 2 (gestion directe)");
  }

  c.contributor.siret = siret;
  c.contributor.ident_pro = v.ident_pro.empty() ? siret : trim(v.ident_pro);
  // Checked by hand rather than with std::regex, whose libstdc++ matcher recurses once per
  // character and overflows the stack on a long value.
  const std::string& ident = c.contributor.ident_pro;
  bool alphanumeric = std::all_of(ident.begin(), ident.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
  });
  if (!alphanumeric || ident.size() > kMaxIdentProLength) {
    return source.valueError("contributor.ident_pro", ident.substr(0, kMaxIdentProLength),
                             "must be 1 to 32 letters and digits, since it is part of the "
                             "file name sent to the platform");
  }

  c.contributor.professional_card = card;
  c.contributor.company_name = company;
  c.contributor.data_source = v.data_source;
  c.contributor.management_type = v.management_type;
  return Status::Ok();
}

Status checkOfficial(const RawValues& v, const ConfigSource& source, Config& c) {
  auto encoding = parseOutputEncoding(v.encoding);
  if (!encoding) {
    return source.valueError("official.encoding", v.encoding, encoding.message());
  }
  c.file_options.encoding = *encoding;
  if (v.line_ending == "crlf") {
    c.file_options.line_ending = "\r\n";
  } else if (v.line_ending == "lf") {
    c.file_options.line_ending = "\n";
  } else {
    return source.valueError("official.line_ending", v.line_ending, "is invalid; use crlf or lf");
  }
  if (v.card_policy == "keep") {
    c.file_options.card_number = batch::CardNumberPolicy::kKeepWhole;
  } else if (v.card_policy == "truncate") {
    c.file_options.card_number = batch::CardNumberPolicy::kTruncate;
  } else {
    return source.valueError("official.card_number", v.card_policy,
                             "is invalid; use keep or truncate");
  }
  c.file_options.comment = v.comment;
  return Status::Ok();
}

// Checks that platform.ca_file, when set, is a readable file with a -----BEGIN CERTIFICATE-----
// line. NOTE: the certificate itself is not parsed, so a damaged one is only reported by the TLS
// library at the first connection.
Status checkCaFile(const ConfigSource& source, const std::string& ca_file) {
  constexpr const char* kKey = "platform.ca_file";
  if (ca_file.empty()) {
    return Status::Ok();
  }
  std::error_code ec;
  if (!fs::exists(ca_file, ec)) {
    return source.valueError(kKey, ca_file,
                             "does not exist; give the PEM file of the authority that signed "
                             "the platform's certificate, or leave it empty for the system store");
  }
  if (fs::is_directory(ca_file, ec)) {
    return source.valueError(kKey, ca_file,
                             "is a folder; give the PEM file of the authority that signed the "
                             "platform's certificate");
  }
  std::ifstream in(ca_file, std::ios::binary);
  if (!in) {
    return source.valueError(kKey, ca_file, "cannot be read; " + accountHint("read"));
  }
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line) == "-----BEGIN CERTIFICATE-----") {
      return Status::Ok();
    }
  }
  if (in.bad()) {
    return source.valueError(kKey, ca_file, "cannot be read; " + accountHint("read"));
  }
  return source.valueError(kKey, ca_file,
                           "is not a PEM certificate file (it has no -----BEGIN CERTIFICATE----- "
                           "line); give the authority's certificate in PEM form, converting a "
                           "DER file with openssl x509 -inform der -in FILE -out FILE.pem");
}

Status checkPlatform(const RawValues& v, const ConfigSource& source, Config& c) {
  for (auto [value, key, fix] :
       {std::tuple{v.host, "platform.host", "set the FTPS host given by the observatory"},
        std::tuple{v.user, "platform.user", "set the FTPS login given by the observatory"},
        std::tuple{v.password, "platform.password",
                   "set the FTPS password given by the observatory"}}) {
    if (Status s = required(source, value, key, fix); !s) {
      return s;
    }
  }

  if (v.port < 1 || v.port > 65535) {
    return source.valueError("platform.port", std::to_string(v.port),
                             "is not a TCP port (1 to 65535)");
  }
  if (v.tls_mode != "explicit" && v.tls_mode != "implicit") {
    return source.valueError("platform.tls", v.tls_mode,
                             "is invalid; use explicit (AUTH TLS, usually port 21) or implicit "
                             "(usually port 990). Clear-text FTP is not offered.");
  }

  for (auto [value, key] : {std::pair{v.connect_timeout, "platform.connect_timeout_seconds"},
                            std::pair{v.transfer_timeout, "platform.transfer_timeout_seconds"}}) {
    if (value < 1 || value > 86400) {
      return source.valueError(key, std::to_string(value),
                               "is out of range; use a number of seconds between 1 and 86400");
    }
  }

  c.ftps.host = trim(v.host);
  c.ftps.port = v.port;
  c.ftps.user = v.user;
  c.ftps.password = v.password;
  c.ftps.ca_file = source.resolve(v.ca_file).string();
  c.ftps.implicit_tls = v.tls_mode == "implicit";
  c.ftps.connect_timeout_seconds = v.connect_timeout;
  c.ftps.transfer_timeout_seconds = v.transfer_timeout;
  if (Status s = checkCaFile(source, c.ftps.ca_file); !s) {
    return s;
  }

  if (v.rename != "yes" && v.rename != "no") {
    return source.valueError("platform.rename", v.rename,
                             "is invalid; use yes (upload under a temporary name, then rename) or "
                             "no (for servers that cannot rename files)");
  }
  c.ftps.rename_after_upload = v.rename == "yes";

  c.upload_dir = v.upload_dir;
  c.return_dir = v.return_dir;
  c.temp_suffix = v.temp_suffix;
  if (c.temp_suffix.empty() || c.temp_suffix.find('/') != std::string::npos) {
    return source.error("platform.temp_suffix",
                        "must be a non-empty suffix without '/', e.g. .part");
  }
  return Status::Ok();
}

// Reads "H:MM" or "HH:MM" (00:00 to 23:59) into hour and minute.
std::optional<std::pair<int, int>> parseTimeOfDay(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || text.size() != colon + 3) {
    return std::nullopt;
  }
  std::string hour = text.substr(0, colon);
  std::string minute = text.substr(colon + 1);
  if (!isDigits(hour) || !isDigits(minute)) {
    return std::nullopt;
  }
  int h = std::stoi(hour);
  int m = std::stoi(minute);
  if (h > 23 || m > 59) {
    return std::nullopt;
  }
  return std::pair{h, m};
}

// Parses a list of days such as "mon-fri", "mon,wed,fri" or "fri-mon" (a range may wrap past
// Sunday) into flags indexed like std::tm::tm_wday. On error, returns std::nullopt and puts the
// item it cannot read in `bad`.
std::optional<std::array<bool, 7>> parseWeekdays(const std::string& text, std::string* bad) {
  static const std::vector<std::string> kNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  auto dayIndex = [](const std::string& name) -> int {
    auto it = std::find(kNames.begin(), kNames.end(), toLowerAscii(trim(name)));
    return it == kNames.end() ? -1 : static_cast<int>(it - kNames.begin());
  };
  std::array<bool, 7> days{};
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    std::size_t dash = item.find('-');
    int first = dayIndex(item.substr(0, dash));
    int last = dash == std::string::npos ? first : dayIndex(item.substr(dash + 1));
    if (first < 0 || last < 0) {
      *bad = trim(item).empty() ? "an empty item" : trim(item);
      return std::nullopt;
    }
    for (int day = first;; day = (day + 1) % 7) {
      days[day] = true;
      if (day == last) {
        break;
      }
    }
  }
  return days;
}

// Reads the time of a daily run from schedule.time, or from schedule.daily_at, its older name.
Status checkDailyTime(const RawValues& v, const ConfigSource& source, Config& c) {
  std::string key = "schedule.time";
  std::string value = v.schedule_time;
  if (source.lineOf("schedule.daily_at") != 0) {
    if (source.lineOf("schedule.time") != 0) {
      return source.error("schedule.daily_at",
                          "is the older name of schedule.time, and both are set; keep only "
                          "time = " +
                              v.schedule_time);
    }
    key = "schedule.daily_at";
    value = v.daily_at;
  }
  auto time_of_day = parseTimeOfDay(value);
  if (!time_of_day) {
    return source.valueError(key, value.substr(0, 16),
                             "is not a time of day; write HH:MM in local time, e.g. 02:30");
  }
  c.schedule.daily_hour = time_of_day->first;
  c.schedule.daily_minute = time_of_day->second;
  return Status::Ok();
}

// Reads the window and the period of mode = every, and the days of both calendar modes.
Status checkWindow(const RawValues& v, const ConfigSource& source, Config& c) {
  auto from = parseTimeOfDay(v.window_from);
  if (!from) {
    return source.valueError("schedule.from", v.window_from.substr(0, 16),
                             "is not a time of day; write HH:MM in local time, e.g. 08:00");
  }
  auto until = parseTimeOfDay(v.window_until);
  if (!until) {
    return source.valueError("schedule.until", v.window_until.substr(0, 16),
                             "is not a time of day; write HH:MM in local time, e.g. 19:00");
  }

  int from_minute = from->first * 60 + from->second;
  int until_minute = until->first * 60 + until->second;
  if (v.schedule_mode == "every" && until_minute <= from_minute) {
    std::string from_shown =
        v.window_from + (source.lineOf("schedule.from") == 0 ? " (the default)" : "");
    return source.valueError("schedule.until", v.window_until,
                             "is not later than schedule.from = " + from_shown +
                                 "; the window must end after it starts on the same day, "
                                 "e.g. from = 08:00 and until = 19:00 (a window across "
                                 "midnight is not supported)");
  }

  if (v.every_minutes < 1 || v.every_minutes > 24 * 60) {
    return source.valueError("schedule.every_minutes", std::to_string(v.every_minutes),
                             "is out of range; use a number of minutes between 1 and 1440");
  }

  std::string bad;
  auto days = parseWeekdays(v.days, &bad);
  if (!days) {
    return source.valueError("schedule.days", v.days,
                             "is invalid: " + bad +
                                 " is not a day; write days as mon, tue, wed, thu, fri, sat, "
                                 "sun or ranges such as mon-fri, separated by commas");
  }

  c.schedule.window_from_minute = from_minute;
  c.schedule.window_until_minute = until_minute;
  c.schedule.every_minutes = v.every_minutes;
  c.schedule.weekdays = *days;
  return Status::Ok();
}

Status checkSchedule(const RawValues& v, const ConfigSource& source, Config& c) {
  if (v.schedule_mode != "daily" && v.schedule_mode != "every" &&
      v.schedule_mode != "after-import") {
    return source.valueError("schedule.mode", v.schedule_mode,
                             "is invalid; use daily (once a day at schedule.time), every "
                             "(every schedule.every_minutes from schedule.from until "
                             "schedule.until) or after-import (schedule.delay_seconds after "
                             "each export)");
  }
  c.schedule.mode = v.schedule_mode;
  if (Status s = checkDailyTime(v, source, c); !s) {
    return s;
  }
  if (Status s = checkWindow(v, source, c); !s) {
    return s;
  }
  for (auto [value, key] : {std::pair{v.delay_seconds, "schedule.delay_seconds"},
                            std::pair{v.retry_initial, "schedule.retry_initial_seconds"},
                            std::pair{v.retry_max, "schedule.retry_max_seconds"},
                            std::pair{v.poll_seconds, "receipts.poll_seconds"},
                            std::pair{v.stable_seconds, "export.stable_seconds"},
                            std::pair{v.rescan_seconds, "export.rescan_seconds"}}) {
    if (value < 0 || value > 7 * 24 * 3600) {
      return source.valueError(key, std::to_string(value),
                               "is out of range; use a number of seconds between 0 and 604800");
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

Status checkReceipts(const RawValues& v, const ConfigSource& source, Config& c) {
  for (auto [value, key] : {std::pair{v.ack_pattern, "receipts.ack_pattern"},
                            std::pair{v.report_pattern, "receipts.report_pattern"},
                            std::pair{v.certificate_pattern, "receipts.certificate_pattern"}}) {
    if (value.find("{stem}") == std::string::npos) {
      return source.valueError(key, value,
                               "must contain {stem}, the uploaded file's name without .CSV");
    }
  }
  if (v.report_separator.size() != 1) {
    return source.error("receipts.report_separator", "must be one character, e.g. ;");
  }
  c.receipts.ack_pattern = v.ack_pattern;
  c.receipts.report_pattern = v.report_pattern;
  c.receipts.certificate_pattern = v.certificate_pattern;
  c.receipts.report_separator = v.report_separator[0];
  c.receipts.report_status_integrated = v.status_integrated;
  c.receipts.report_status_rejected = v.status_rejected;
  if (!ingest::parseEncoding(v.report_encoding)) {
    return source.valueError("receipts.report_encoding", v.report_encoding,
                             "is invalid; use auto, utf-8, windows-1252 or iso-8859-15");
  }
  c.receipts.report_encoding = v.report_encoding;
  int id = 0;
  int status = 0;
  int reason = 0;
  char end = 0;
  if (std::sscanf(v.report_columns.c_str(), "%d,%d,%d%c", &id, &status, &reason, &end) != 3 ||
      id < 1 || status < 1 || reason < 1 || id > 100 || status > 100 || reason > 100 ||
      id == status || id == reason || status == reason) {
    return source.valueError("receipts.report_columns", v.report_columns,
                             "is invalid; give the columns (from 1) of the dwelling id, the status "
                             "and the reason in the integration report, e.g. 1,2,3");
  }
  c.receipts.report_id_column = id - 1;
  c.receipts.report_status_column = status - 1;
  c.receipts.report_reason_column = reason - 1;
  return Status::Ok();
}

// The table itself is loaded and checked by `alur-relay check-config` and at service start.
Status checkReference(const RawValues& v, const ConfigSource& source, Config& c) {
  c.postal_table = source.resolve(v.postal_table);
  return Status::Ok();
}

Status checkLogFile(const ConfigSource& source, const fs::path& log_file) {
  constexpr const char* kKey = "service.log_file";
  std::error_code ec;
  if (fs::is_directory(log_file, ec)) {
    return source.valueError(
        kKey, log_file.string(),
        "is a folder; give a file name in it, e.g. " + (log_file / "alur-relay.log").string());
  }
  if (!fs::is_directory(log_file.parent_path(), ec)) {
    return source.valueError(kKey, log_file.string(),
                             "is in a folder that does not exist (" +
                                 log_file.parent_path().string() +
                                 "); create the folder or correct the path");
  }
  return Status::Ok();
}

// Creates state_dir when missing, then writes and removes a small file in it, so that a folder
// the service cannot write is reported here rather than at the first import.
Status checkStateDir(const ConfigSource& source, const fs::path& state_dir) {
  constexpr const char* kKey = "service.state_dir";
  std::error_code ec;
  if (fs::exists(state_dir, ec) && !fs::is_directory(state_dir, ec)) {
    return source.valueError(
        kKey, state_dir.string(),
        "exists but is not a folder; give the path of a folder on a local disk");
  }
  fs::create_directories(state_dir, ec);
  if (ec) {
    return source.valueError(
        kKey, state_dir.string(),
        "cannot be created (" + ec.message() + "); create it and " + accountHint("write"));
  }

  fs::path probe = state_dir / (".alur-relay-check-" + std::to_string(processId()));
#ifdef _WIN32
  std::FILE* file = ::_wfopen(probe.c_str(), L"wb");
#else
  std::FILE* file = std::fopen(probe.c_str(), "wb");
#endif
  if (file == nullptr) {
    int open_error = errno;
    return source.valueError(kKey, state_dir.string(),
                             std::string("cannot be written (") + std::strerror(open_error) +
                                 "); " + accountHint("write"));
  }

  errno = 0;
  bool written = std::fwrite("check\n", 1, 6, file) == 6 && std::fflush(file) == 0;
  int write_error = errno;
  std::fclose(file);
  fs::remove(probe, ec);
  if (!written) {
    return source.valueError(
        kKey, state_dir.string(),
        std::string("cannot be written (") + std::strerror(write_error) +
            "); free some space if the disk is full, or choose another folder");
  }
  return Status::Ok();
}

Status checkService(const RawValues& v, const ConfigSource& source, Config& c) {
  c.log_level = v.log_level;
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end()) {
    return source.valueError("service.log_level", c.log_level,
                             "is invalid; use trace, debug, info, warn or error");
  }
  if (v.log_max_megabytes < 1 || v.log_max_megabytes > 1024) {
    return source.valueError("service.log_max_megabytes", std::to_string(v.log_max_megabytes),
                             "is out of range; use a size in megabytes from 1 to 1024");
  }
  if (v.log_files < 1 || v.log_files > 100) {
    return source.valueError("service.log_files", std::to_string(v.log_files),
                             "is out of range; keep from 1 to 100 rotated files");
  }
  c.log_max_megabytes = v.log_max_megabytes;
  c.log_files = v.log_files;
  if (!v.log_file.empty()) {
    fs::path log_file = source.resolve(v.log_file);
    if (Status s = checkLogFile(source, log_file); !s) {
      return s;
    }
    c.log_file = log_file.string();
  }
  c.state_dir = source.resolve(v.state_dir);
  return Status::Ok();
}

// Parses an IPv4 or IPv6 address written as inet_pton reads it. Boost also reads a scope
// ("fe80::1%eth0"), which no key of the configuration takes.
std::optional<boost::asio::ip::address> parseIpAddress(const std::string& address) {
  if (address.find('%') != std::string::npos) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::asio::ip::address parsed = boost::asio::ip::make_address(address, ec);
  if (ec) {
    return std::nullopt;
  }
  return parsed;
}

// Returns whether `address` is an IPv4 loopback address (127.0.0.0/8) or the IPv6 one (::1).
bool isLoopbackAddress(const std::string& address) {
  auto parsed = parseIpAddress(address);
  return parsed && parsed->is_loopback();
}

bool isIpAddress(const std::string& address) { return parseIpAddress(address).has_value(); }

bool isIpv6Address(const std::string& address) {
  auto parsed = parseIpAddress(address);
  return parsed && parsed->is_v6();
}

Status checkStatusEndpoint(const RawValues& v, const ConfigSource& source, Config& c) {
  std::string allow = trim(v.status_allow_remote);
  if (allow != "yes" && allow != "no") {
    return source.valueError("status.allow_remote", allow, "is invalid; use yes or no");
  }
  std::string address = trim(v.status_listen_address);
  if (!isIpAddress(address)) {
    return source.valueError("status.listen_address", address,
                             "is not an IP address; use 127.0.0.1 (the default) or ::1");
  }
  if (!isLoopbackAddress(address) && allow != "yes") {
    return source.valueError(
        "status.listen_address", address,
        "is not a loopback address, and the status endpoint has no authentication: anyone "
        "who reaches this address reads the queue and downloads the certificates. Use "
        "127.0.0.1, or set status.allow_remote = yes behind a firewall or a reverse proxy");
  }
  if (v.status_port < 0 || v.status_port > 65535) {
    return source.valueError("status.port", std::to_string(v.status_port),
                             "is not a TCP port; use 1 to 65535, or 0 to turn the endpoint off");
  }
  for (auto [value, key, high] :
       {std::tuple{v.health_window_minutes, "status.health_window_minutes", 7 * 24 * 60},
        std::tuple{v.min_free_megabytes, "status.min_free_megabytes", 1024 * 1024},
        std::tuple{v.max_days_without_export, "status.max_days_without_export", 366}}) {
    if (value < 0 || value > high) {
      return source.valueError(
          key, std::to_string(value),
          "is out of range; use a number between 0 and " + std::to_string(high));
    }
  }
  c.status.listen_address = address;
  c.status.port = v.status_port;
  c.status.allow_remote = allow == "yes";
  c.status.health_window_minutes = std::max(1, v.health_window_minutes);
  c.status.min_free_megabytes = v.min_free_megabytes;
  c.status.max_days_without_export = v.max_days_without_export;
  return Status::Ok();
}

// Splits a comma-separated list of addresses and checks each one.
Result<std::vector<std::string>> readAddresses(const ConfigSource& source, const std::string& list,
                                               const char* key) {
  std::vector<std::string> addresses;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = std::min(list.find(',', start), list.size());
    std::string address = trim(list.substr(start, comma - start));
    start = comma + 1;
    if (address.empty()) {
      continue;
    }
    if (!isPlainEmailAddress(address)) {
      return source.valueError(key, address.substr(0, 80),
                               "is not an e-mail address; write name@domain, several separated "
                               "by commas");
    }
    addresses.push_back(address);
  }
  return addresses;
}

Status checkEmail(const RawValues& v, const ConfigSource& source, Config& c) {
  notify::SmtpSettings& e = c.email;
  e.server = trim(v.email_server);
  if (e.server.empty()) {
    return Status::Ok();  // no e-mail
  }
  bool ipv6 = isIpv6Address(e.server);
  if (e.server.find_first_of(" \t/\\@") != std::string::npos ||
      (e.server.find(':') != std::string::npos && !ipv6)) {
    return source.valueError("email.server", e.server.substr(0, 80),
                             "is not a host name or an IP address; write the host alone, e.g. "
                             "smtp.agence.fr, and its port in email.port");
  }
  if (v.email_security != "starttls" && v.email_security != "tls" && v.email_security != "none") {
    return source.valueError("email.security", v.email_security,
                             "is invalid; use starttls (port 587), tls (port 465) or none (a "
                             "relay on this machine or its network, port 25)");
  }
  if (v.email_port < 1 || v.email_port > 65535) {
    return source.valueError("email.port", std::to_string(v.email_port),
                             "is not a TCP port; use 587 for starttls, 465 for tls, 25 for none");
  }
  if (v.email_security == "none" && !v.email_user.empty()) {
    return source.valueError("email.security", v.email_security,
                             "would send email.password in clear text; use starttls or tls, or "
                             "remove email.user for a relay that needs no login");
  }
  if (!v.email_user.empty() && v.email_password.empty()) {
    return source.error("email.password", "is missing; set the password of email.user");
  }
  if (!v.email_ca_file.empty() && !fs::is_regular_file(source.resolve(v.email_ca_file))) {
    return source.valueError("email.ca_file", v.email_ca_file,
                             "is not a readable file; give a PEM bundle, or remove the key to "
                             "use the system's certificates");
  }
  std::string from = trim(v.email_from);
  if (!isPlainEmailAddress(from)) {
    return source.valueError("email.from", from.substr(0, 80),
                             "is not an e-mail address; write the sender, e.g. "
                             "alur-relay@agence.fr");
  }
  auto to = readAddresses(source, v.email_to, "email.to");
  if (!to) {
    return to.status();
  }
  if (to->empty()) {
    return source.error("email.to",
                        "is missing; write the agency's address for certificates and leases to "
                        "correct");
  }
  auto alerts_to = readAddresses(source, v.email_alerts_to, "email.alerts_to");
  if (!alerts_to) {
    return alerts_to.status();
  }
  if (v.email_summary != "off" && v.email_summary != "daily" && v.email_summary != "weekly") {
    return source.valueError("email.summary", v.email_summary,
                             "is invalid; use off, daily or weekly (sent on Mondays)");
  }
  auto summary_at = parseTimeOfDay(v.email_summary_at);
  if (!summary_at) {
    return source.valueError("email.summary_at", v.email_summary_at.substr(0, 16),
                             "is not a time of day; write HH:MM in local time, e.g. 08:00");
  }
  for (auto [value, key, high] :
       {std::tuple{v.alert_after_minutes, "email.alert_after_minutes", 30 * 24 * 60},
        std::tuple{v.email_timeout, "email.timeout_seconds", 600}}) {
    if (value < 0 || value > high) {
      return source.valueError(
          key, std::to_string(value),
          "is out of range; use a number between 0 and " + std::to_string(high));
    }
  }
  e.port = v.email_port;
  e.security = v.email_security;
  e.user = v.email_user;
  e.password = v.email_password;
  e.ca_file = v.email_ca_file.empty() ? "" : source.resolve(v.email_ca_file).string();
  e.from = from;
  e.to = *to;
  e.alerts_to = alerts_to->empty() ? *to : *alerts_to;
  e.alert_after_minutes = v.alert_after_minutes;
  e.summary = v.email_summary;
  e.summary_hour = summary_at->first;
  e.summary_minute = summary_at->second;
  e.timeout_seconds = std::max(5, v.email_timeout);
  return Status::Ok();
}

}  // namespace

Result<Config> loadConfig(const std::filesystem::path& path, const LoadOptions& options) {
  if (!std::ifstream(path)) {
    return Status::Error("cannot read the configuration " + path.string() +
                         ": check the path and that the service account may read it");
  }
  auto entries = readIniFile(path);
  if (!entries) {
    return entries.status();
  }
  ConfigSource source(path);
  RawValues v;
  po::options_description description = describe(v);
  po::variables_map values;
  if (Status s = storeEntries(*entries, description, source, values); !s) {
    return s;
  }

  if (Status s = checkRequiredKeys(v, source); !s) {
    return s;
  }
  Config c;
  c.source = source.file();
  c.settings = settingsAsText(values);
  using Check = Status (*)(const RawValues&, const ConfigSource&, Config&);
  for (Check check :
       {checkExport, checkContributor, checkOfficial, checkPlatform, checkSchedule, checkReceipts,
        checkReference, checkService, checkStatusEndpoint, checkEmail}) {
    if (Status s = check(v, source, c); !s) {
      return s;
    }
  }
  // Last, because it creates state_dir, which should not happen for a file with other errors.
  if (options.check_state_dir_writable) {
    if (Status s = checkStateDir(source, c.state_dir); !s) {
      return s;
    }
  }
  return c;
}

}  // namespace alur::config
