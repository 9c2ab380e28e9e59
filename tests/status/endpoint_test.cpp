// Runs the real alur-relay binary with its status endpoint on 127.0.0.1 and an unreachable
// platform (port 1), and checks the routes with a raw HTTP client, promtool and headless
// Chromium.
#include <cstdio>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "status/store_fill.h"
#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct HttpReply {
  int status = 0;  // 0: no reply
  std::string headers;
  std::string body;
};

int connectLocal(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `raw` to 127.0.0.1:port and reads the reply until the server closes the connection.
HttpReply sendRaw(int port, const std::string& raw) {
  HttpReply reply;
  int fd = connectLocal(port);
  if (fd < 0) {
    return reply;
  }
  ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
  std::string bytes;
  char buffer[8192];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    return reply;
  }
  reply.status = std::stoi(bytes.substr(9, 3));
  reply.headers = bytes.substr(0, end);
  reply.body = bytes.substr(end + 4);
  return reply;
}

HttpReply request(int port, const std::string& method, const std::string& target) {
  return sendRaw(
      port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

// Returns a TCP port that was free a moment ago, found by binding port 0.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Returns the output of `command`, with its exit status in `*status`.
std::string runCommand(const std::string& command, int* status) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return output;
  }
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    output.append(buffer, n);
  }
  *status = ::pclose(pipe);
  return output;
}

bool hasCommand(const std::string& name) {
  int status = 0;
  runCommand("command -v " + name, &status);
  return status == 0;
}

// A dwelling id of the sample export that is in scope but invalid.
std::string invalidDwellingOfSample() {
  auto truth = nlohmann::json::parse(
      readFileBytes(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv.truth.json"));
  for (const auto& [id, lease] : truth.items()) {
    if (lease.at("in_scope").get<bool>() && !lease.at("valid").get<bool>()) {
      return id;
    }
  }
  return "";
}

class StatusEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = makeTempFolder("alur-endpoint-");
    ASSERT_FALSE(work_.empty());
    fs::create_directories(work_ / "exports");
    port_ = freePort();
  }

  void TearDown() override {
    service_.stop(SIGTERM, 20s);
    fs::remove_all(work_);
  }

  void writeConfig(const std::string& extra_status = "") {
    std::ofstream out(work_ / "alur-relay.conf");
    out << "[service]\nstate_dir = " << (work_ / "state").string() << "\n"
        << "log_file = " << (work_ / "alur-relay.log").string() << "\n"
        << "[export]\nfolder = " << (work_ / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "stable_seconds = 1\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nport = 1\nuser = agence\npassword = secret\n"
        << "connect_timeout_seconds = 2\n"
        << "[schedule]\nmode = after-import\ndelay_seconds = 1\nretry_initial_seconds = 1\n"
        << "retry_max_seconds = 5\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n"
        << "[status]\nport = " << port_ << "\nmin_free_megabytes = 1\n"
        << extra_status;
  }

  void startService() {
    ASSERT_TRUE(service_.start({std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay", "run",
                                "--config", (work_ / "alur-relay.conf").string()},
                               work_ / "console.log"));
    bool listening = waitFor([&] { return request(port_, "GET", "/health").status != 0; }, 30s);
    ASSERT_TRUE(listening) << readFileBytes(work_ / "console.log");
  }

  void dropExport() {
    fs::path temp = work_ / "exports" / "export.tmp";
    fs::copy_file(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv", temp);
    fs::rename(temp, work_ / "exports" / "export.csv");
  }

  int leaseCount() {
    HttpReply reply = request(port_, "GET", "/status");
    auto json = nlohmann::json::parse(reply.body, nullptr, false);
    if (json.is_discarded() || !json.contains("leases_by_state")) {
      return -1;
    }
    int total = 0;
    for (const auto& [state, count] : json["leases_by_state"].items()) {
      total += count.get<int>();
    }
    return total;
  }

  bool waitForLeases(int count) {
    return waitFor([&] { return leaseCount() == count; }, 60s);
  }

  // Fills the database before the service starts: a certified batch with its certificate, and
  // a batch whose upload failed permanently.
  std::string fillDatabase() {
    fs::create_directories(work_ / "state");
    auto store = store::Store::open(work_ / "state" / "alur-relay.db");
    EXPECT_TRUE(store.ok()) << store.message();
    importLeases(**store, {{"FILL-A", lease::Classification::kValid}}, {}, "/elsewhere/a.csv");
    auto certified = buildFillBatch(**store, 0);
    EXPECT_TRUE(certified.has_value());
    certify(**store, *certified, {{"FILL-A", "integrated", ""}},
            work_ / "state" / "archive" / "certificate.pdf");
    importLeases(**store, {{"FILL-B", lease::Classification::kValid}}, {}, "/elsewhere/b.csv");
    auto failed = buildFillBatch(**store, 0);
    EXPECT_TRUE(failed.has_value());
    EXPECT_TRUE((*store)->markUploading(failed->id, "2027-01-16T10:00:00Z").ok());
    EXPECT_TRUE((*store)
                    ->recordUploadFailure(failed->id, true, "530 Login incorrect",
                                          "2027-01-16T10:00:01Z", "")
                    .ok());
    return certified->file_name;
  }

  // Runs headless Chromium on the page with `mode` (--dump-dom or --screenshot=PATH) and
  // returns its output.
  std::string runChromium(const std::string& mode) {
    fs::path profile = makeTempFolder("alur-chromium-");
    ChildProcess browser;
    fs::path output = work_ / ("chromium-" + std::to_string(++browser_runs_) + ".out");
    EXPECT_TRUE(browser.start(
        {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + profile.string(), mode, "--window-size=412,915",
         "http://127.0.0.1:" + std::to_string(port_) + "/"},
        output));
    bool exited = waitFor([&] { return !browser.running(); }, 90s);
    EXPECT_TRUE(exited) << "chromium did not exit within 90 s";
    browser.stop(SIGKILL, 5s);
    fs::remove_all(profile);
    return readFileBytes(output);
  }

  fs::path work_;
  int port_ = 0;
  int browser_runs_ = 0;
  ChildProcess service_;
};

TEST_F(StatusEndpointTest, StatusListsImportedLeases) {
  writeConfig();
  startService();
  dropExport();
  ASSERT_TRUE(waitForLeases(300)) << readFileBytes(work_ / "alur-relay.log");
  HttpReply reply = request(port_, "GET", "/status");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers.find("Content-Type: application/json; charset=utf-8"), std::string::npos);
  auto json = nlohmann::json::parse(reply.body);
  EXPECT_EQ(json["last_import"]["rows"], 300);
  EXPECT_EQ(json["service"]["running"], true);
  EXPECT_EQ(json["service"]["pid"], service_.pid());
}

TEST_F(StatusEndpointTest, MetricsPassPromtool) {
  ASSERT_TRUE(hasCommand("promtool"))
      << "promtool is missing: install the Debian package prometheus (scripts/setup.sh does)";
  writeConfig();
  startService();
  dropExport();
  ASSERT_TRUE(waitForLeases(300));
  HttpReply reply = request(port_, "GET", "/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  fs::path file = work_ / "metrics.txt";
  std::ofstream(file) << reply.body;
  int status = 0;
  std::string output = runCommand("promtool check metrics < " + file.string(), &status);
  EXPECT_EQ(status, 0) << output << "\n" << reply.body;
  EXPECT_NE(reply.body.find("alur_leases{state=\"invalid\"}"), std::string::npos);
}

TEST_F(StatusEndpointTest, HealthOkOnFreshInstance) {
  writeConfig();
  startService();
  HttpReply reply = request(port_, "GET", "/health");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(nlohmann::json::parse(reply.body), nlohmann::json({{"status", "ok"}}));
}

TEST_F(StatusEndpointTest, HealthFailsAfterPermanentFailure) {
  fillDatabase();
  writeConfig();
  startService();
  HttpReply reply = request(port_, "GET", "/health");
  EXPECT_EQ(reply.status, 503);
  auto json = nlohmann::json::parse(reply.body);
  EXPECT_EQ(json["status"], "failing");
  ASSERT_EQ(json["reasons"].size(), 1u);
  EXPECT_NE(json["reasons"][0].get<std::string>().find("530 Login incorrect"), std::string::npos);
}

TEST_F(StatusEndpointTest, HealthFailsWhenUploadsFail) {
  writeConfig();
  startService();
  dropExport();
  bool failing = waitFor([&] { return request(port_, "GET", "/health").status == 503; }, 60s);
  EXPECT_TRUE(failing) << readFileBytes(work_ / "alur-relay.log");
}

TEST_F(StatusEndpointTest, UnknownPathIsNotFound) {
  writeConfig();
  startService();
  EXPECT_EQ(request(port_, "GET", "/nope").status, 404);
}

TEST_F(StatusEndpointTest, PostIsNotAllowed) {
  writeConfig();
  startService();
  HttpReply reply = request(port_, "POST", "/status");
  EXPECT_EQ(reply.status, 405);
  EXPECT_NE(reply.headers.find("Allow: GET"), std::string::npos);
}

TEST_F(StatusEndpointTest, MalformedRequestsAreRejected) {
  writeConfig();
  startService();
  EXPECT_EQ(sendRaw(port_, "NOT HTTP AT ALL\r\n\r\n").status, 400);
  std::string huge = "GET /status HTTP/1.1\r\nX-Fill: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(sendRaw(port_, huge).status, 413);
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
}

TEST_F(StatusEndpointTest, CertificateServedByBatchNameOnly) {
  std::string name = fillDatabase();
  writeConfig();
  startService();
  HttpReply pdf = request(port_, "GET", "/certificates/" + name);
  EXPECT_EQ(pdf.status, 200);
  EXPECT_NE(pdf.headers.find("Content-Type: application/pdf"), std::string::npos);
  EXPECT_EQ(pdf.body, "%PDF-1.4\n%%EOF\n");
  EXPECT_EQ(request(port_, "GET", "/certificates/../../../etc/passwd").status, 404);
  EXPECT_EQ(request(port_, "GET", "/certificates/certificate.pdf").status, 404);
}

TEST_F(StatusEndpointTest, PageShowsLeasesAndCertificates) {
  ASSERT_TRUE(hasCommand("chromium"))
      << "chromium is missing: install the Debian package chromium (scripts/setup.sh does)";
  std::string name = fillDatabase();
  writeConfig();
  startService();
  dropExport();
  ASSERT_TRUE(waitForLeases(302)) << readFileBytes(work_ / "alur-relay.log");

  std::string dom = runChromium("--dump-dom");
  std::string invalid = invalidDwellingOfSample();
  ASSERT_FALSE(invalid.empty());
  EXPECT_NE(dom.find("<td class=\"dwelling\">" + invalid + "</td>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("href=\"/certificates/" + name + "\""), std::string::npos) << dom;

  fs::path screenshot = fs::path(ALUR_ARTIFACTS_DIR) / "status-page.png";
  fs::create_directories(screenshot.parent_path());
  fs::remove(screenshot);
  runChromium("--screenshot=" + screenshot.string());
  ASSERT_TRUE(fs::exists(screenshot));
  EXPECT_GT(fs::file_size(screenshot), 0u);
}

}  // namespace
}  // namespace alur::testing
