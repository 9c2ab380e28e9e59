// Reads small configuration files written to a temporary folder with loadConfig, one rule per
// test, and runs `alur-relay check-config` on a bad file.
#include "config/config.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "support/process.h"

namespace alur::config {
namespace {

namespace fs = std::filesystem;

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << part << "\" not found in: " << text;
}

// Returns the 1-based number of the first line of `text` that starts with `prefix`, or 0.
int lineStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.rfind(prefix, 0) == 0) {
      return number;
    }
  }
  return 0;
}

// Replaces the value of the first line "key = ..." of `text`.
std::string withValue(const std::string& text, const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  bool replaced = false;
  while (std::getline(in, line)) {
    if (!replaced && line.rfind(key + " =", 0) == 0) {
      line = key + " = " + value;
      replaced = true;
    }
    out += line + "\n";
  }
  EXPECT_TRUE(replaced) << "no line for " << key;
  return out;
}

// Removes the first line "key = ..." of `text`.
std::string withoutKey(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  bool removed = false;
  while (std::getline(in, line)) {
    if (!removed && line.rfind(key + " =", 0) == 0) {
      removed = true;
      continue;
    }
    out += line + "\n";
  }
  EXPECT_TRUE(removed) << "no line for " << key;
  return out;
}

// Runs `alur-relay COMMAND --config FILE` and returns its exit code, with what it wrote to
// standard error in `errors`.
int runCheck(const fs::path& config_file, std::string* errors,
             const std::string& check_command = "check-config") {
  std::string command = "'" ALUR_BINARY_DIR "/daemon/alur-relay' " + check_command + " --config '" +
                        config_file.string() + "' 2>&1 >/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return -1;
  }
  char buffer[512];
  std::size_t count;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    errors->append(buffer, count);
  }
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-config-");
    ASSERT_FALSE(folder_.empty());
    fs::create_directories(folder_ / "exports");
    fs::copy_file(ALUR_SOURCE_DIR "/config/profiles/sample-a.profile",
                  folder_ / "sample-a.profile");
  }

  void TearDown() override {
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(folder_, ec)) {
      fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(folder_, ec);
  }

  // A valid file that sets the required keys only, with the profile given relative to the file.
  // [platform] comes last, so a test can append a key of that section.
  std::string minimalConfig() const {
    std::string text = "[service]\n";
    text += "state_dir = " + (folder_ / "state").string() + "\n\n";
    text += "[export]\n";
    text += "folder = " + (folder_ / "exports").string() + "\n";
    text += "profile = sample-a.profile\n\n";
    text +=
        "[contributor]\n"
        "siret = 73282932000074\n"
        "professional_card = CPI 7501 2016 000 012 345\n"
        "company_name = Agence du Port\n\n";
    text +=
        "[platform]\n"
        "host = ftps.example.invalid\n"
        "user = agence\n"
        "password = secret\n";
    return text;
  }

  fs::path write(const std::string& text) const {
    fs::path file = folder_ / "alur-relay.conf";
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    return file;
  }

  Result<Config> load(const std::string& text) const { return loadConfig(write(text)); }

  fs::path folder_;
};

TEST_F(ConfigTest, ValidFileLoadsWithDefaults) {
  auto config = load(minimalConfig());
  ASSERT_TRUE(config.ok()) << config.message();

  EXPECT_EQ(config->source, folder_ / "alur-relay.conf");
  EXPECT_EQ(config->state_dir, folder_ / "state");
  EXPECT_TRUE(fs::is_directory(folder_ / "state"));
  EXPECT_TRUE(fs::is_empty(folder_ / "state"));
  EXPECT_EQ(config->databasePath(), folder_ / "state" / "alur-relay.db");
  EXPECT_EQ(config->log_level, "info");
  EXPECT_EQ(config->log_file, "");

  EXPECT_EQ(config->export_folder, folder_ / "exports");
  EXPECT_EQ(config->profile, folder_ / "sample-a.profile");
  EXPECT_EQ(config->file_pattern, "*.csv");
  EXPECT_EQ(config->stable_seconds, 10);
  EXPECT_EQ(config->rescan_seconds, 300);

  EXPECT_EQ(config->contributor.siret, "73282932000074");
  EXPECT_EQ(config->contributor.ident_pro, "73282932000074");
  EXPECT_EQ(config->contributor.professional_card, "CPI 7501 2016 000 012 345");
  EXPECT_EQ(config->contributor.company_name, "Agence du Port");
  EXPECT_EQ(config->contributor.data_source, 2);
  EXPECT_EQ(config->contributor.management_type, 1);

  EXPECT_EQ(config->file_options.encoding, batch::OutputEncoding::kWindows1252);
  EXPECT_EQ(config->file_options.line_ending, "\r\n");
  EXPECT_EQ(config->file_options.card_number, batch::CardNumberPolicy::kKeepWhole);
  EXPECT_EQ(config->file_options.comment, "");

  EXPECT_EQ(config->ftps.host, "ftps.example.invalid");
  EXPECT_EQ(config->ftps.port, 21);
  EXPECT_EQ(config->ftps.user, "agence");
  EXPECT_EQ(config->ftps.password, "secret");
  EXPECT_EQ(config->ftps.ca_file, "");
  EXPECT_FALSE(config->ftps.implicit_tls);
  EXPECT_EQ(config->ftps.connect_timeout_seconds, 30);
  EXPECT_EQ(config->ftps.transfer_timeout_seconds, 600);
  EXPECT_EQ(config->upload_dir, "/");
  EXPECT_EQ(config->return_dir, "/");
  EXPECT_EQ(config->temp_suffix, ".part");
  EXPECT_TRUE(config->ftps.rename_after_upload);

  EXPECT_EQ(config->schedule.mode, "daily");
  EXPECT_EQ(config->schedule.daily_hour, 2);
  EXPECT_EQ(config->schedule.daily_minute, 30);
  EXPECT_EQ(config->schedule.delay_seconds, 300);
  EXPECT_EQ(config->schedule.every_minutes, 30);
  EXPECT_EQ(config->schedule.window_from_minute, 8 * 60);
  EXPECT_EQ(config->schedule.window_until_minute, 19 * 60);
  EXPECT_EQ(config->schedule.weekdays,
            (std::array<bool, 7>{true, true, true, true, true, true, true}));
  EXPECT_EQ(config->schedule.retry_initial_seconds, 60);
  EXPECT_EQ(config->schedule.retry_max_seconds, 3600);

  EXPECT_EQ(config->receipts.poll_seconds, 300);
  EXPECT_EQ(config->receipts.ack_pattern, "{stem}.ACK.TXT");
  EXPECT_EQ(config->receipts.report_pattern, "{stem}.RAPPORT.CSV");
  EXPECT_EQ(config->receipts.certificate_pattern, "{stem}.CERTIFICAT.PDF");
  EXPECT_EQ(config->receipts.report_separator, ';');
  EXPECT_EQ(config->receipts.report_status_integrated, "INTEGRE");
  EXPECT_EQ(config->receipts.report_status_rejected, "REJETE");

  EXPECT_EQ(config->postal_table, "/usr/share/alur-relay/laposte_hexasmal.csv");
}

TEST_F(ConfigTest, ExampleFileLoads) {
  std::string example = testing::readFileBytes(ALUR_SOURCE_DIR "/config/alur-relay.conf.example");
  ASSERT_FALSE(example.empty());
  EXPECT_TRUE(contains(example, "profile = /usr/share/alur-relay/profiles/sample-a.profile\n"));
  EXPECT_TRUE(contains(example, "postal_table = /usr/share/alur-relay/laposte_hexasmal.csv\n"));
  std::string text = withValue(example, "state_dir", (folder_ / "state").string());
  text = withValue(text, "folder", (folder_ / "exports").string());
  text = withValue(text, "profile", (folder_ / "sample-a.profile").string());
  text = withValue(text, "siret", "73282932000074");
  text = withValue(text, "professional_card", "CPI 7501 2016 000 012 345");
  text = withValue(text, "company_name", "Agence du Port");
  text = withValue(text, "host", "ftps.example.invalid");
  text = withValue(text, "user", "agence");
  text = withValue(text, "password", "secret");

  auto config = load(text);
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->contributor.siret, "73282932000074");
  EXPECT_EQ(config->contributor.company_name, "Agence du Port");
  EXPECT_EQ(config->ftps.host, "ftps.example.invalid");
  EXPECT_EQ(config->ftps.password, "secret");
  EXPECT_EQ(config->settings.at("platform.port"), "21");
  EXPECT_EQ(config->settings.at("schedule.time"), "02:30");
  EXPECT_EQ(config->settings.at("contributor.siret"), "73282932000074");
  EXPECT_EQ(config->receipts.report_separator, ';');
  EXPECT_EQ(config->postal_table, "/usr/share/alur-relay/laposte_hexasmal.csv");
}

// The example is the configuration a fresh installation gets: it leaves the agency's values
// empty, and the check lists them all in one message.
TEST_F(ConfigTest, ExampleListsKeysToFillIn) {
  std::string example = testing::readFileBytes(ALUR_SOURCE_DIR "/config/alur-relay.conf.example");
  std::string text = withValue(example, "state_dir", (folder_ / "state").string());

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "6 required keys are empty: "));
  for (const std::string key :
       {"contributor.siret", "contributor.professional_card", "contributor.company_name",
        "platform.host", "platform.user", "platform.password"}) {
    std::string name = key.substr(key.find('.') + 1);
    EXPECT_TRUE(
        contains(config.message(),
                 key + " (line " + std::to_string(lineStartingWith(text, name + " =")) + ")"));
  }
  EXPECT_TRUE(contains(config.message(), "run alur-relay check-config again"));
  EXPECT_FALSE(fs::exists(folder_ / "state")) << "state_dir created for a file with errors";
}

TEST_F(ConfigTest, MissingKeysListedTogether) {
  std::string text = withoutKey(withValue(minimalConfig(), "user", ""), "siret");

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(),
                       "2 required keys are empty: contributor.siret (missing), platform.user "
                       "(line " +
                           std::to_string(lineStartingWith(text, "user =")) + ")"));
}

TEST_F(ConfigTest, ExampleCommentsOnTheirOwnLines) {
  std::istringstream in(testing::readFileBytes(ALUR_SOURCE_DIR "/config/alur-relay.conf.example"));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#' || line[0] == '[') {
      continue;
    }
    std::string value = line.substr(line.find('=') + 1);
    EXPECT_EQ(value.find('#'), std::string::npos) << "line " << number << ": " << line;
  }
}

TEST_F(ConfigTest, HashKeptInPassword) {
  std::string text = withValue(minimalConfig(), "password", "ab#cd;ef # gh");
  text += "; a comment line\n# another comment line\n";
  auto config = load(text);
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->ftps.password, "ab#cd;ef # gh");
}

TEST_F(ConfigTest, HashKeptInComment) {
  auto config = load(minimalConfig() + "[official]\ncomment = Lot #12\n");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->file_options.comment, "Lot #12");
}

TEST_F(ConfigTest, UnknownKeyNamedWithLine) {
  std::string text = minimalConfig();
  text.insert(text.find("profile ="), "colour = blue\n");
  int line = lineStartingWith(text, "colour");

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "line " + std::to_string(line) + ":"));
  EXPECT_TRUE(contains(config.message(), "unknown key colour in [export]"));
  EXPECT_TRUE(
      contains(config.message(), "folder, profile, file_pattern, stable_seconds, rescan_seconds"));
}

TEST_F(ConfigTest, KeyInWrongSectionNamesItsSection) {
  std::string text = minimalConfig();
  text.insert(text.find("profile ="), "port = 990\n");

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "unknown key port in [export]"));
  EXPECT_TRUE(contains(config.message(), "port belongs in [platform]"));
}

TEST_F(ConfigTest, UnknownSectionRejected) {
  auto config = load(minimalConfig() + "[plateforme]\nhost = x\n");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "unknown section [plateforme]"));
  EXPECT_TRUE(contains(config.message(), "service, export, contributor, official, platform"));
}

TEST_F(ConfigTest, KeyBeforeSectionRejected) {
  auto config = load("host = x\n" + minimalConfig());
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "line 1:"));
  EXPECT_TRUE(contains(config.message(), "comes before any [section] header"));
  EXPECT_TRUE(contains(config.message(), "move it under [platform]"));
}

TEST_F(ConfigTest, DuplicateKeyNamesBothLines) {
  std::string text = minimalConfig() + "password = other\n";
  int first = lineStartingWith(text, "password");
  int second = lineStartingWith(text, "password = other");
  ASSERT_NE(first, second);

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "platform.password is set twice"));
  EXPECT_TRUE(contains(config.message(),
                       "lines " + std::to_string(first) + " and " + std::to_string(second)));
  EXPECT_FALSE(contains(config.message(), "secret"));
  EXPECT_FALSE(contains(config.message(), "other"));
}

TEST_F(ConfigTest, WrongTypeNamesKeyLineAndValue) {
  std::string text = minimalConfig() + "port = abc\n";
  int line = lineStartingWith(text, "port");

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "line " + std::to_string(line) + ":"));
  EXPECT_TRUE(contains(config.message(), "platform.port = abc is not a whole number"));
  EXPECT_TRUE(contains(config.message(), "e.g. 21"));
}

TEST_F(ConfigTest, InlineCommentExplained) {
  auto config = load(minimalConfig() + "port = 21  # control port\n");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "platform.port = 21  # control port"));
  EXPECT_TRUE(contains(config.message(), "put comments on their own line"));
}

TEST_F(ConfigTest, MissingRequiredKeyNamed) {
  for (const std::string key : {"folder", "profile", "siret", "professional_card", "company_name",
                                "host", "user", "password"}) {
    SCOPED_TRACE(key);
    auto config = load(withoutKey(minimalConfig(), key));
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.message(), "." + key + " is missing;"));
  }
}

TEST_F(ConfigTest, EmptyRequiredKeyNamedWithLine) {
  std::string text = withValue(minimalConfig(), "siret", "");
  int line = lineStartingWith(text, "siret");

  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(
      contains(config.message(), "line " + std::to_string(line) + ": contributor.siret is empty;"));
}

TEST_F(ConfigTest, SiretChecked) {
  auto bad = load(withValue(minimalConfig(), "siret", "12345678912345"));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.message(), "contributor.siret = 12345678912345 is not a valid SIRET"));

  auto valid = load(withValue(minimalConfig(), "siret", "73282932000074"));
  EXPECT_TRUE(valid.ok()) << valid.message();

  // La Poste's establishments fail the Luhn check and follow their own rule.
  auto la_poste = load(withValue(minimalConfig(), "siret", "35600000049837"));
  ASSERT_TRUE(la_poste.ok()) << la_poste.message();
  EXPECT_EQ(la_poste->contributor.siret, "35600000049837");
}

TEST_F(ConfigTest, CompanyNameLimitedTo20CodePoints) {
  // 20 code points in 23 bytes of UTF-8.
  auto twenty = load(withValue(minimalConfig(), "company_name", "Immobilière Côté Mer"));
  ASSERT_TRUE(twenty.ok()) << twenty.message();
  EXPECT_EQ(twenty->contributor.company_name, "Immobilière Côté Mer");

  auto longer = load(withValue(minimalConfig(), "company_name", "Immobilière Côté Mers"));
  ASSERT_FALSE(longer.ok());
  EXPECT_TRUE(contains(longer.message(), "contributor.company_name = Immobilière Côté Mers"));
  EXPECT_TRUE(contains(longer.message(), "has 21 characters"));
  EXPECT_TRUE(contains(longer.message(), "holds 20"));
}

TEST_F(ConfigTest, ProfessionalCardFormat) {
  for (const std::string card :
       {"CPI 7501 2016 000 012 345", "CPI75012016000012345", "CPI 7501 2016 000012345"}) {
    SCOPED_TRACE(card);
    auto config = load(withValue(minimalConfig(), "professional_card", card));
    ASSERT_TRUE(config.ok()) << config.message();
    EXPECT_EQ(config->contributor.professional_card, card);
  }
  for (const std::string card :
       {"CPI 7501 2016 000 012 34", "CPI 7501 2016 000 012 3456", "cpi 7501 2016 000 012 345",
        "CPI 2A01 2016 000 012 345", "T 12345", "G 2016-0123", "CPI-7501-2016-000-012-345",
        "7501 2016 000 012 345"}) {
    SCOPED_TRACE(card);
    auto config = load(withValue(minimalConfig(), "professional_card", card));
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.message(), "contributor.professional_card = " + card));
    EXPECT_TRUE(contains(config.message(), "is not a professional card number"));
    EXPECT_TRUE(contains(config.message(), "e.g. CPI 7501 2016 000 012 345"));
  }
}

TEST_F(ConfigTest, ProfessionalCardYearChecked) {
  for (const std::string card : {"CPI 7501 2014 000 012 345", "CPI 7501 9999 000 012 345"}) {
    SCOPED_TRACE(card);
    auto config = load(withValue(minimalConfig(), "professional_card", card));
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.message(), "has the year of issue " + card.substr(9, 4)));
  }
  auto first_year =
      load(withValue(minimalConfig(), "professional_card", "CPI 7501 2015 000 012 345"));
  EXPECT_TRUE(first_year.ok()) << first_year.message();
}

TEST_F(ConfigTest, CaFileMustBePem) {
  std::ofstream(folder_ / "ca.der", std::ios::binary) << std::string("\x30\x82\x03\x01garbage", 11);
  auto der = load(minimalConfig() + "ca_file = ca.der\n");
  ASSERT_FALSE(der.ok());
  EXPECT_TRUE(contains(der.message(), "platform.ca_file = " + (folder_ / "ca.der").string()));
  EXPECT_TRUE(contains(der.message(), "is not a PEM certificate file"));
  EXPECT_TRUE(contains(der.message(), "openssl x509 -inform der"));

  std::ofstream(folder_ / "ca.pem") << "Subject: test authority\r\n"
                                    << "-----BEGIN CERTIFICATE-----\r\n"
                                    << "MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGU=\r\n"
                                    << "-----END CERTIFICATE-----\r\n";
  auto pem = load(minimalConfig() + "ca_file = ca.pem\n");
  ASSERT_TRUE(pem.ok()) << pem.message();
  EXPECT_EQ(pem->ftps.ca_file, (folder_ / "ca.pem").string());

  auto missing = load(minimalConfig() + "ca_file = none.pem\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.message(), "does not exist"));

  auto folder = load(minimalConfig() + "ca_file = exports\n");
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(contains(folder.message(), "platform.ca_file"));
  EXPECT_TRUE(contains(folder.message(), "is a folder"));
}

TEST_F(ConfigTest, CaFileMustBeReadable) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root reads files whatever their permissions";
  }
  std::ofstream(folder_ / "ca.pem") << "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  fs::permissions(folder_ / "ca.pem", fs::perms::none);
  auto config = load(minimalConfig() + "ca_file = ca.pem\n");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "platform.ca_file"));
  EXPECT_TRUE(contains(config.message(), "cannot be read"));
  EXPECT_TRUE(contains(config.message(), "read access"));
}

TEST_F(ConfigTest, TimeoutsInRange) {
  for (const std::string key : {"connect_timeout_seconds", "transfer_timeout_seconds"}) {
    for (const std::string value : {"0", "-5", "86401"}) {
      SCOPED_TRACE(key + " = " + value);
      auto config = load(minimalConfig() + key + " = " + value + "\n");
      ASSERT_FALSE(config.ok());
      EXPECT_TRUE(contains(config.message(), "platform." + key + " = " + value));
      EXPECT_TRUE(contains(config.message(), "between 1 and 86400"));
    }
  }
  auto bounds =
      load(minimalConfig() + "connect_timeout_seconds = 1\ntransfer_timeout_seconds = 86400\n");
  ASSERT_TRUE(bounds.ok()) << bounds.message();
  EXPECT_EQ(bounds->ftps.connect_timeout_seconds, 1);
  EXPECT_EQ(bounds->ftps.transfer_timeout_seconds, 86400);
}

TEST_F(ConfigTest, RenameIsYesOrNo) {
  auto without_rename = load(minimalConfig() + "rename = no\n");
  ASSERT_TRUE(without_rename.ok()) << without_rename.message();
  EXPECT_FALSE(without_rename->ftps.rename_after_upload);

  auto invalid = load(minimalConfig() + "rename = false\n");
  ASSERT_FALSE(invalid.ok());
  EXPECT_TRUE(contains(invalid.message(), "platform.rename = false"));
  EXPECT_TRUE(contains(invalid.message(), "use yes"));
}

TEST_F(ConfigTest, ScheduleEveryRead) {
  auto config = load(minimalConfig() +
                     "\n[schedule]\nmode = every\nevery_minutes = 15\nfrom = 07:30\n"
                     "until = 20:00\ndays = mon-fri, sun\n");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->schedule.mode, "every");
  EXPECT_EQ(config->schedule.every_minutes, 15);
  EXPECT_EQ(config->schedule.window_from_minute, 7 * 60 + 30);
  EXPECT_EQ(config->schedule.window_until_minute, 20 * 60);
  EXPECT_EQ(config->schedule.weekdays,
            (std::array<bool, 7>{true, true, true, true, true, true, false}));
}

TEST_F(ConfigTest, ScheduleDaysWrapPastSunday) {
  auto config = load(minimalConfig() + "\n[schedule]\ndays = FRI-mon,wed\n");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->schedule.weekdays,
            (std::array<bool, 7>{true, true, false, true, false, true, true}));
}

TEST_F(ConfigTest, ScheduleTimeRead) {
  auto config = load(minimalConfig() + "\n[schedule]\ntime = 4:05\n");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->schedule.daily_hour, 4);
  EXPECT_EQ(config->schedule.daily_minute, 5);
}

TEST_F(ConfigTest, ScheduleDailyAtStillAccepted) {
  auto config = load(minimalConfig() + "\n[schedule]\nmode = daily\ndaily_at = 03:15\n");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->schedule.daily_hour, 3);
  EXPECT_EQ(config->schedule.daily_minute, 15);

  auto bad = load(minimalConfig() + "\n[schedule]\ndaily_at = 3h15\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.message(), "schedule.daily_at = 3h15 is not a time of day"));
}

TEST_F(ConfigTest, ScheduleDailyAtAndTimeBothRejected) {
  std::string text = minimalConfig() + "\n[schedule]\ndaily_at = 03:15\ntime = 04:00\n";
  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(
      contains(config.message(), "line " + std::to_string(lineStartingWith(text, "daily_at")) +
                                     ": schedule.daily_at is the older name of schedule.time"));
  EXPECT_TRUE(contains(config.message(), "keep only time = 04:00"));
}

TEST_F(ConfigTest, ScheduleValuesChecked) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"mode = weekly", {"schedule.mode = weekly is invalid", "daily", "every", "after-import"}},
      {"time = 25:00", {"schedule.time = 25:00 is not a time of day", "HH:MM"}},
      {"mode = every\nfrom = 8h", {"schedule.from = 8h is not a time of day"}},
      {"mode = every\nuntil = 7", {"schedule.until = 7 is not a time of day"}},
      {"mode = every\nfrom = 19:00\nuntil = 08:00",
       {"schedule.until = 08:00 is not later than schedule.from = 19:00", "across midnight"}},
      {"mode = every\nuntil = 08:00",
       {"schedule.until = 08:00 is not later than schedule.from = 08:00"}},
      {"every_minutes = 0", {"schedule.every_minutes = 0 is out of range", "1 and 1440"}},
      {"every_minutes = 1441", {"schedule.every_minutes = 1441 is out of range"}},
      {"days = mon-fry", {"schedule.days = mon-fry is invalid: mon-fry is not a day", "mon-fri"}},
      {"days = mon,,fri", {"schedule.days = mon,,fri is invalid: an empty item is not a day"}},
      {"days = ", {"schedule.days = (empty) is invalid"}},
  };
  for (const auto& [lines, expected] : cases) {
    SCOPED_TRACE(lines);
    auto config = load(minimalConfig() + "\n[schedule]\n" + lines + "\n");
    ASSERT_FALSE(config.ok());
    for (const auto& part : expected) {
      EXPECT_TRUE(contains(config.message(), part));
    }
  }
  // A window that ends before it starts matters only in mode every.
  auto daily = load(minimalConfig() + "\n[schedule]\nmode = daily\nuntil = 07:00\n");
  EXPECT_TRUE(daily.ok()) << daily.message();
}

TEST_F(ConfigTest, StateDirCreatedWhenMissing) {
  fs::path state = folder_ / "var" / "lib" / "alur-relay";
  auto config = load(withValue(minimalConfig(), "state_dir", state.string()));
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_TRUE(fs::is_directory(state));
  EXPECT_TRUE(fs::is_empty(state));
}

TEST_F(ConfigTest, StateDirCheckCanBeTurnedOff) {
  fs::path state = folder_ / "state";
  auto config = loadConfig(write(minimalConfig()), {.check_state_dir_writable = false});
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->state_dir, state);
  EXPECT_FALSE(fs::exists(state));
}

TEST_F(ConfigTest, StateDirThatCannotBeCreated) {
  std::ofstream(folder_ / "plain-file") << "not a folder\n";
  std::string state = (folder_ / "plain-file" / "state").string();
  auto config = load(withValue(minimalConfig(), "state_dir", state));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "service.state_dir = " + state));
  EXPECT_TRUE(contains(config.message(), "cannot be created"));
  EXPECT_TRUE(contains(config.message(), "give the account that runs the service write access"));
  EXPECT_TRUE(contains(config.message(), "runs the service as alur-relay"));
}

TEST_F(ConfigTest, StateDirThatIsAFile) {
  std::ofstream(folder_ / "plain-file") << "not a folder\n";
  std::string state = (folder_ / "plain-file").string();
  auto config = load(withValue(minimalConfig(), "state_dir", state));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(
      contains(config.message(), "service.state_dir = " + state + " exists but is not a folder"));
}

TEST_F(ConfigTest, FilePatternThatMatchesNothing) {
  std::string text =
      withValue(minimalConfig(), "profile", "sample-a.profile\nfile_pattern = [[:number:]]*.csv");
  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(),
                       "export.file_pattern = [[:number:]]*.csv names the unknown character "
                       "class [:number:]"))
      << config.message();
  EXPECT_TRUE(contains(config.message(), "write a shell pattern such as *.csv"));
}

TEST_F(ConfigTest, StatusListenAddress) {
  auto loopback = load(minimalConfig() + "[status]\nlisten_address = ::1\n");
  EXPECT_TRUE(loopback.ok()) << loopback.message();

  auto scoped = load(minimalConfig() + "[status]\nlisten_address = fe80::1%eth0\n");
  ASSERT_FALSE(scoped.ok());
  EXPECT_TRUE(contains(scoped.message(),
                       "status.listen_address = fe80::1%eth0 is not an IP "
                       "address; use 127.0.0.1 (the default) or ::1"))
      << scoped.message();

  auto remote = load(minimalConfig() + "[status]\nlisten_address = 192.168.1.5\n");
  ASSERT_FALSE(remote.ok());
  EXPECT_TRUE(contains(remote.message(), "is not a loopback address")) << remote.message();
  auto allowed =
      load(minimalConfig() + "[status]\nlisten_address = 192.168.1.5\nallow_remote = yes\n");
  EXPECT_TRUE(allowed.ok()) << allowed.message();
}

TEST_F(ConfigTest, StateDirWithoutWriteAccess) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root writes in folders whatever their permissions";
  }
  fs::create_directories(folder_ / "read-only");
  fs::permissions(folder_ / "read-only", fs::perms::owner_read | fs::perms::owner_exec);
  auto config = load(withValue(minimalConfig(), "state_dir", (folder_ / "read-only").string()));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "cannot be written (Permission denied)"));
  EXPECT_TRUE(contains(config.message(), "write access"));
}

TEST_F(ConfigTest, StateDirInProcRejected) {
  // procfs accepts no new files, even from root.
  auto config = load(withValue(minimalConfig(), "state_dir", "/proc"));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "service.state_dir = /proc cannot be written"));
}

TEST_F(ConfigTest, ProfileThatIsAFolder) {
  fs::create_directories(folder_ / "profiles");
  auto config = load(withValue(minimalConfig(), "profile", "profiles"));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "export.profile = " + (folder_ / "profiles").string()));
  EXPECT_TRUE(contains(config.message(), "is a folder"));
  EXPECT_TRUE(contains(config.message(), (folder_ / "profiles" / "sample-a.profile").string()));
}

TEST_F(ConfigTest, MissingProfileNamesInstalledFolder) {
  auto config = load(withValue(minimalConfig(), "profile", "sample-z.profile"));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "does not exist"));
  EXPECT_TRUE(contains(config.message(), "/usr/share/alur-relay/profiles/"));
  EXPECT_TRUE(contains(config.message(), "config/profiles/"));
}

TEST_F(ConfigTest, LogFileFolderMustExist) {
  std::string log_file = (folder_ / "logs" / "alur-relay.log").string();
  std::string text = minimalConfig();
  text.insert(text.find("\n[export]"), "log_file = " + log_file + "\n");
  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "service.log_file = " + log_file));
  EXPECT_TRUE(contains(config.message(), "folder that does not exist"));
  EXPECT_FALSE(fs::exists(folder_ / "state"));

  fs::create_directories(folder_ / "logs");
  auto created = load(text);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(created->log_file, log_file);
}

TEST_F(ConfigTest, LogFileThatIsAFolder) {
  std::string text = minimalConfig();
  text.insert(text.find("\n[export]"), "log_file = exports\n");
  auto config = load(text);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.message(), "service.log_file"));
  EXPECT_TRUE(contains(config.message(), "is a folder"));
}

TEST_F(ConfigTest, CheckCommandExits78NamingKey) {
  std::string errors;
  fs::path file = write(withValue(minimalConfig(), "company_name", "Agence Immobilière du Port"));
  EXPECT_EQ(runCheck(file, &errors), kExitConfig);
  EXPECT_TRUE(contains(errors, "contributor.company_name"));
  EXPECT_TRUE(contains(errors, file.string()));

  errors.clear();
  file = write(minimalConfig() + "password = other\n");
  EXPECT_EQ(runCheck(file, &errors), kExitConfig);
  EXPECT_TRUE(contains(errors, "platform.password is set twice"));
}

TEST_F(ConfigTest, CheckCommandAcceptsValidFile) {
  std::string errors;
  fs::path file = write(minimalConfig() + "[reference]\npostal_table = " ALUR_SOURCE_DIR
                                          "/data/laposte_hexasmal.csv\n");
  EXPECT_EQ(runCheck(file, &errors), 0) << errors;
  EXPECT_EQ(errors, "");
}

TEST_F(ConfigTest, CheckIsAliasOfCheckConfig) {
  std::string errors;
  fs::path file = write(minimalConfig() + "[reference]\npostal_table = " ALUR_SOURCE_DIR
                                          "/data/laposte_hexasmal.csv\n");
  EXPECT_EQ(runCheck(file, &errors, "check"), 0) << errors;

  file = write(withValue(minimalConfig(), "siret", "12345678912345"));
  EXPECT_EQ(runCheck(file, &errors, "check"), kExitConfig);
  EXPECT_TRUE(contains(errors, "contributor.siret"));
}

}  // namespace
}  // namespace alur::config
