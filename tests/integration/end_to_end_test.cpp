// Runs the real alur-relay binary against the platform simulator (vsftpd with explicit TLS on
// 127.0.0.1) with two consecutive exports of the same portfolio, and checks what reached the
// platform against the expected outcome of every lease.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/hash.h"
#include "support/process.h"
#include "support/simulator.h"
#include "support/smtp_server.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;

struct Expected {
  std::set<std::string> sendable;    // valid, in scope, and (day 2) new or changed
  std::set<std::string> never_sent;  // invalid or out of scope
};

Expected expectedFromTruth(const fs::path& truth_file, bool only_new_or_changed) {
  auto truth = nlohmann::json::parse(readFileBytes(truth_file));
  Expected expected;
  for (const auto& [id, lease] : truth.items()) {
    bool sendable = lease.at("in_scope").get<bool>() && lease.at("valid").get<bool>();
    std::string change = lease.value("change", "new");
    if (!sendable) {
      expected.never_sent.insert(id);
    } else if (!only_new_or_changed || change != "unchanged") {
      expected.sendable.insert(id);
    }
  }
  return expected;
}

// Returns the dwelling ids of every line of the deposited files, in order, with repeats.
std::vector<std::string> depositedIds(const fs::path& upload_folder,
                                      std::set<std::string>* file_names) {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(upload_folder)) {
    file_names->insert(entry.path().filename().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (header) {
        header = false;
        continue;
      }
      ids.push_back(line.substr(0, line.find(';')));
    }
  }
  return ids;
}

// Tenant and owner names of an export in Windows-1252 (columns "Locataire" and "Propriétaire"),
// as the export writes them; the test converts them to UTF-8 to look for them in both encodings.
std::vector<std::string> personNamesCp1252(const fs::path& export_file) {
  std::vector<std::string> names;
  std::ifstream in(export_file, std::ios::binary);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t pos; (pos = line.find(';', start)) != std::string::npos; start = pos + 1) {
      fields.push_back(line.substr(start, pos - start));
    }
    if (fields.size() > 4) {
      names.push_back(fields[3]);
      names.push_back(fields[4]);
    }
  }
  return names;
}

std::string toUtf8FromCp1252(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string queryText(const fs::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator creates a system user for vsftpd: run as root";
    }
    work_ = makeTempFolder("alur-e2e-");
    ASSERT_FALSE(work_.empty());
    std::string error = simulator_.start(work_ / "platform", simulatorOptions());
    ASSERT_EQ(error, "");
    fs::create_directories(work_ / "exports");
    writeConfig();
  }

  virtual std::vector<std::string> simulatorOptions() const { return {}; }

  void TearDown() override {
    service_.stop(SIGTERM, std::chrono::seconds(20));
    simulator_.stop();
  }

  void writeConfig(const std::string& password = "", int status_port = 0) {
    const SimulatorInfo& sim = simulator_.info();
    std::ofstream out(work_ / "alur-relay.conf");
    out << "[service]\nstate_dir = " << (work_ / "state").string() << "\n"
        << "log_file = " << (work_ / "alur-relay.log").string() << "\n"
        << "[export]\nfolder = " << (work_ / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "stable_seconds = 1\nrescan_seconds = 5\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = " << sim.host << "\nport = " << sim.port << "\n"
        << "user = " << sim.user << "\npassword = " << (password.empty() ? sim.password : password)
        << "\n"
        << "ca_file = " << sim.ca_file << "\nupload_dir = " << sim.upload_dir << "\n"
        << "return_dir = " << sim.return_dir << "\n"
        << "[schedule]\nmode = after-import\ndelay_seconds = 1\nretry_initial_seconds = 1\n"
        << "retry_max_seconds = 5\n"
        << "[receipts]\npoll_seconds = 1\n"
        << "[status]\nport = " << status_port << "\nmin_free_megabytes = 1\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n"
        << extra_config_;
  }

  void startService() {
    ASSERT_TRUE(service_.start({std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay", "run",
                                "--config", (work_ / "alur-relay.conf").string()},
                               work_ / "console.log"));
  }

  // Drops an export the way management software does: written under another name, then renamed.
  void dropExport(const std::string& sample) {
    fs::path temp = work_ / "exports" / "export.tmp";
    fs::copy_file(fs::path(ALUR_SOURCE_DIR) / "tests/data" / sample, temp,
                  fs::copy_options::overwrite_existing);
    fs::rename(temp, work_ / "exports" / "export.csv");
  }

  bool waitForCertifiedBatches(int count) {
    fs::path db = work_ / "state" / "alur-relay.db";
    return waitFor(
        [&] {
          return queryText(db, "SELECT COUNT(*) FROM batch WHERE state = 'certified'") ==
                 std::to_string(count);
        },
        std::chrono::seconds(120));
  }

  fs::path work_;
  Simulator simulator_;
  ChildProcess service_;
  std::string extra_config_;  // sections appended to the configuration
};

TEST_F(EndToEndTest, MailsCertificateOnce) {
  SmtpServer smtp;
  ASSERT_EQ(smtp.start(work_ / "smtp", {.starttls = true, .user = "relay", .password = "pw"}), "");
  extra_config_ =
      "[email]\nserver = 127.0.0.1\nport = " + std::to_string(smtp.port()) +
      "\nsecurity = starttls\nuser = relay\npassword = pw\nca_file = " + smtp.certificate() +
      "\nfrom = alur-relay@agence-du-port.fr\nto = gestion@agence-du-port.fr\n";
  writeConfig();
  startService();
  dropExport("export-A-day1.csv");
  ASSERT_TRUE(waitForCertifiedBatches(1)) << readFileBytes(work_ / "alur-relay.log");
  ASSERT_TRUE(waitFor([&] { return smtp.messages().size() >= 2; }, std::chrono::seconds(30)))
      << readFileBytes(work_ / "alur-relay.log");

  std::string certificate = queryText(work_ / "state" / "alur-relay.db",
                                      "SELECT certificate_path FROM batch WHERE id = 1");
  ASSERT_FALSE(certificate.empty());
  auto messages = smtp.messages();
  ASSERT_EQ(messages.size(), 2u);
  std::map<std::string, nlohmann::json> by_kind;
  std::string all_mail;
  for (const auto& file : messages) {
    nlohmann::json mail = readMail(file);
    std::string subject = mail["headers"]["Subject"];
    by_kind[subject.substr(0, subject.find(' '))] = mail;
    all_mail += readFileBytes(file) + std::string(mail["text"]);
  }
  ASSERT_EQ(by_kind.count("Certificat"), 1u);
  ASSERT_EQ(by_kind.count("Baux"), 1u);
  const nlohmann::json& certificate_mail = by_kind["Certificat"];
  EXPECT_EQ(certificate_mail["headers"]["Subject"],
            "Certificat de transmission CLAMEUR – fichier 2026_73282932000074_001.CSV");
  ASSERT_EQ(certificate_mail["attachments"].size(), 1u);
  EXPECT_EQ(certificate_mail["attachments"][0]["sha256"], sha256Hex(readFileBytes(certificate)));
  std::string text = by_kind["Baux"]["text"];
  EXPECT_NE(text.find("ne sont pas envoyés"), std::string::npos) << text;
  for (const auto& name :
       personNamesCp1252(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv")) {
    EXPECT_EQ(all_mail.find(toUtf8FromCp1252(name)), std::string::npos) << "in a mail: " << name;
  }

  // A restart sends nothing again.
  service_.stop(SIGTERM, std::chrono::seconds(20));
  startService();
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(smtp.messages().size(), 2u);
}

TEST_F(EndToEndTest, SendsNewAndChangedLeasesOnce) {
  startService();
  dropExport("export-A-day1.csv");
  ASSERT_TRUE(waitForCertifiedBatches(1)) << readFileBytes(work_ / "alur-relay.log");

  std::set<std::string> files;
  std::vector<std::string> day1 = depositedIds(simulator_.uploadFolder(), &files);
  Expected expected1 = expectedFromTruth(
      fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv.truth.json", false);
  std::set<std::string> sent1(day1.begin(), day1.end());
  EXPECT_EQ(day1.size(), sent1.size()) << "a lease was sent twice on day 1";
  EXPECT_EQ(sent1, expected1.sendable);
  EXPECT_EQ(files.size(), 1u);

  dropExport("export-A-day2.csv");
  ASSERT_TRUE(waitForCertifiedBatches(2)) << readFileBytes(work_ / "alur-relay.log");

  files.clear();
  std::vector<std::string> all = depositedIds(simulator_.uploadFolder(), &files);
  ASSERT_EQ(files.size(), 2u);
  std::vector<std::string> day2(all.begin(), all.end());
  for (const auto& id : day1) {
    auto found = std::find(day2.begin(), day2.end(), id);
    ASSERT_NE(found, day2.end()) << id;
    day2.erase(found);
  }
  Expected expected2 = expectedFromTruth(
      fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day2.csv.truth.json", true);
  std::set<std::string> sent2(day2.begin(), day2.end());
  EXPECT_EQ(day2.size(), sent2.size()) << "a lease was sent twice on day 2";
  EXPECT_EQ(sent2, expected2.sendable);

  for (const auto& id : day1) {
    EXPECT_EQ(expected1.never_sent.count(id), 0u) << id << " is invalid or out of scope";
  }
  for (const auto& id : day2) {
    EXPECT_EQ(expected2.never_sent.count(id), 0u) << id << " is invalid or out of scope";
  }

  // The platform integrated every lease sent: a wrong position would have it reject them.
  fs::path state = work_ / "state";
  fs::path database = state / "alur-relay.db";
  std::set<std::string> sendable = expected1.sendable;
  sendable.insert(expected2.sendable.begin(), expected2.sendable.end());
  EXPECT_EQ(queryText(database, "SELECT COUNT(*) FROM lease WHERE state = 'integrated'"),
            std::to_string(sendable.size()));
  EXPECT_EQ(queryText(database,
                      "SELECT COUNT(*) FROM batch_line WHERE platform_status IS NULL "
                      "OR platform_status <> 'integrated'"),
            "0");
  for (const auto& name : files) {
    std::string stem = name.substr(0, name.size() - 4);
    EXPECT_TRUE(fs::exists(state / "archive" / stem / (stem + ".CERTIFICAT.PDF"))) << name;
    EXPECT_TRUE(fs::exists(state / "archive" / stem / (stem + ".ACK.TXT"))) << name;
    EXPECT_TRUE(fs::exists(state / "archive" / stem / (stem + ".RAPPORT.CSV"))) << name;
  }
  EXPECT_EQ(queryText(database, "PRAGMA integrity_check"), "ok");

  // No tenant or owner name anywhere the service writes: database (with its WAL), files sent,
  // archive, logs.
  service_.stop(SIGTERM, std::chrono::seconds(20));
  std::string written;
  for (const auto& entry : fs::recursive_directory_iterator(state)) {
    if (entry.is_regular_file()) {
      written += readFileBytes(entry.path());
    }
  }
  written += readFileBytes(work_ / "alur-relay.log") + readFileBytes(work_ / "console.log");
  std::string deposited;
  for (const auto& name : files) {
    deposited += readFileBytes(simulator_.uploadFolder() / name);
  }
  int checked = 0;
  for (const char* sample : {"export-A-day1.csv", "export-A-day2.csv"}) {
    for (const auto& name : personNamesCp1252(fs::path(ALUR_SOURCE_DIR) / "tests/data" / sample)) {
      ++checked;
      EXPECT_EQ(written.find(toUtf8FromCp1252(name)), std::string::npos) << name;
      EXPECT_EQ(written.find(name), std::string::npos) << name;
      EXPECT_EQ(deposited.find(name), std::string::npos) << name;
    }
  }
  EXPECT_GT(checked, 1200);

  // The platform password never reaches a log.
  EXPECT_EQ(written.find(simulator_.info().password), std::string::npos);
}

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Returns the HTTP status code of GET url (through the curl command), or 0 without a response.
int httpStatus(const std::string& url) {
  std::string command = "curl -s -o /dev/null -m 5 -w '%{http_code}' " + url;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return 0;
  }
  char buffer[16] = {};
  std::size_t read = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  ::pclose(pipe);
  return read > 0 ? std::atoi(buffer) : 0;
}

TEST_F(EndToEndTest, HealthFailsThenRecovers) {
  int port = freePort();
  ASSERT_NE(port, 0);
  std::string health = "http://127.0.0.1:" + std::to_string(port) + "/health";
  writeConfig("wrong-password", port);
  startService();
  dropExport("export-A-day1.csv");
  fs::path db = work_ / "state" / "alur-relay.db";

  // A refused login is a permanent failure, so the batch stops and /health reports it.
  ASSERT_TRUE(waitFor([&] { return queryText(db, "SELECT state FROM batch") == "failed"; },
                      std::chrono::seconds(60)))
      << readFileBytes(work_ / "alur-relay.log");
  EXPECT_TRUE(waitFor([&] { return httpStatus(health) == 503; }, std::chrono::seconds(20)));

  // The operator fixes the password, restarts the service and puts the batch back to work.
  service_.stop(SIGTERM, std::chrono::seconds(20));
  writeConfig("", port);
  ASSERT_EQ(std::system((std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay resend --config " +
                         (work_ / "alur-relay.conf").string() + " > /dev/null")
                            .c_str()),
            0);
  startService();
  ASSERT_TRUE(waitForCertifiedBatches(1)) << readFileBytes(work_ / "alur-relay.log");
  EXPECT_TRUE(waitFor([&] { return httpStatus(health) == 200; }, std::chrono::seconds(20)));
}

class PlatformRejectionTest : public EndToEndTest {
 protected:
  std::vector<std::string> simulatorOptions() const override {
    return {"--reject-dwelling", "LOT100000", "--reject-dwelling", "LOT100001"};
  }
};

TEST_F(PlatformRejectionTest, KeepsPlatformReasonOnLease) {
  startService();
  dropExport("export-A-day1.csv");
  ASSERT_TRUE(waitForCertifiedBatches(1)) << readFileBytes(work_ / "alur-relay.log");

  fs::path db = work_ / "state" / "alur-relay.db";
  EXPECT_EQ(queryText(db, "SELECT COUNT(*) FROM lease WHERE state = 'rejected'"), "2");
  EXPECT_EQ(queryText(db, "SELECT state FROM lease WHERE dwelling_id = 'LOT100000'"), "rejected");
  EXPECT_EQ(queryText(db, "SELECT platform_reason FROM lease WHERE dwelling_id = 'LOT100000'"),
            "Rejeté par la plateforme (test)");
  EXPECT_EQ(queryText(db, "SELECT state FROM lease WHERE dwelling_id = 'LOT100002'"), "integrated");
}

TEST_F(EndToEndTest, RestartAfterKillSendsNoBatchTwice) {
  startService();
  dropExport("export-A-day1.csv");
  fs::path db = work_ / "state" / "alur-relay.db";
  ASSERT_TRUE(waitFor([&] { return queryText(db, "SELECT COUNT(*) FROM batch") == "1"; },
                      std::chrono::seconds(60)));
  service_.stop(SIGKILL, std::chrono::seconds(5));

  startService();
  ASSERT_TRUE(waitForCertifiedBatches(1)) << readFileBytes(work_ / "alur-relay.log");
  std::set<std::string> files;
  std::vector<std::string> ids = depositedIds(simulator_.uploadFolder(), &files);
  EXPECT_EQ(files.size(), 1u);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(ids.size(), unique.size());
  // vsftpd's transfer log has one line per completed upload ("i" for incoming).
  std::string transfers = readFileBytes(work_ / "platform" / "xferlog");
  std::size_t uploads = 0;
  for (std::size_t pos = 0; (pos = transfers.find(" i ", pos)) != std::string::npos; ++pos) {
    ++uploads;
  }
  EXPECT_EQ(uploads, 1u) << transfers;
  Expected expected = expectedFromTruth(
      fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv.truth.json", false);
  EXPECT_EQ(unique, expected.sendable);
  EXPECT_EQ(queryText(db, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace alur::testing
