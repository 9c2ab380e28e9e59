// Runs the real alur-relay binary as systemd would run a Type=notify service: the test binds
// the notification socket (NOTIFY_SOCKET), sets WATCHDOG_USEC when the watchdog is on, sends
// SIGHUP and SIGTERM, and checks each notification against what the service does. The platform
// is unreachable (127.0.0.1 port 1), since nothing here uploads.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// Stop timeout of the packaged unit (TimeoutStopSec=).
constexpr auto kStopTimeout = 60s;

// One datagram received on the notification socket.
struct Notification {
  Steady::time_point at;
  std::string text;  // "READY=1\nSTATUS=...", as sent
};

// The AF_UNIX datagram socket that systemd listens on for sd_notify.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~NotifySocket() { ::close(fd_); }

  bool bound() const { return bound_; }
  const fs::path& path() const { return path_; }

  // Waits up to `timeout` for a notification that contains `field` (e.g. "READY=1"), keeping
  // every notification received on the way. Returns its index in received(), or -1.
  int waitFor(const std::string& field, std::chrono::milliseconds timeout) {
    auto deadline = Steady::now() + timeout;
    for (std::size_t i = checked_; i < received_.size(); ++i) {
      if (hasField(received_[i].text, field)) {
        checked_ = i + 1;
        return static_cast<int>(i);
      }
    }
    checked_ = received_.size();
    while (Steady::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(std::max<long>(1, left.count()))) != 1) {
        continue;
      }
      char buffer[4096];
      ssize_t size = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (size <= 0) {
        continue;
      }
      received_.push_back({Steady::now(), std::string(buffer, static_cast<std::size_t>(size))});
      checked_ = received_.size();
      if (hasField(received_.back().text, field)) {
        return static_cast<int>(received_.size() - 1);
      }
    }
    return -1;
  }

  // Reads what arrives during `duration`.
  void drain(std::chrono::milliseconds duration) { waitFor("NO-SUCH-FIELD=", duration); }

  const std::vector<Notification>& received() const { return received_; }

  // Returns the times of the notifications with `field` from index `from` on.
  std::vector<Steady::time_point> timesOf(const std::string& field, std::size_t from = 0) const {
    std::vector<Steady::time_point> times;
    for (std::size_t i = from; i < received_.size(); ++i) {
      if (hasField(received_[i].text, field)) {
        times.push_back(received_[i].at);
      }
    }
    return times;
  }

  // Returns the STATUS= value of notification `index`, or an empty string.
  std::string statusOf(int index) const {
    const std::string& text = received_.at(static_cast<std::size_t>(index)).text;
    auto start = text.find("STATUS=");
    if (start == std::string::npos) {
      return "";
    }
    start += 7;
    return text.substr(start, text.find('\n', start) - start);
  }

 private:
  static bool hasField(const std::string& text, const std::string& field) {
    return ("\n" + text + "\n").find("\n" + field) != std::string::npos;
  }

  fs::path path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<Notification> received_;
  std::size_t checked_ = 0;  // received_[0, checked_) were searched by the last waitFor
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

// Sends GET `target` to 127.0.0.1:port and returns the body of a 200 reply, or an empty string.
std::string httpGet(int port, const std::string& target) {
  int fd = connectLocal(port);
  if (fd < 0) {
    return "";
  }
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string bytes;
  char buffer[8192];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.1 200", 0) != 0 || end == std::string::npos) {
    return "";
  }
  return bytes.substr(end + 4);
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

class ServiceNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = makeTempFolder("alur-notify-");
    ASSERT_FALSE(work_.empty());
    fs::create_directories(work_ / "exports");
    port_ = freePort();
    notify_ = std::make_unique<NotifySocket>(work_ / "notify.sock");
    ASSERT_TRUE(notify_->bound()) << std::strerror(errno);
  }

  void TearDown() override {
    service_.stop(SIGKILL, 5s);
    notify_.reset();
    fs::remove_all(work_);
  }

  // Writes the configuration with the status endpoint on `port` (0: port_), and `extra` at the
  // end, which may open a section again, e.g. "[schedule]\ntime = 03:15\n". The schedule
  // builds no batch during a test.
  void writeConfig(const std::string& file_pattern = "*.csv", int port = 0,
                   const std::string& extra = "") {
    std::ofstream out(work_ / "alur-relay.conf");
    out << "[service]\nstate_dir = " << (work_ / "state").string() << "\n"
        << "[export]\nfolder = " << (work_ / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "file_pattern = " << file_pattern << "\nstable_seconds = 0\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nport = 1\nuser = agence\npassword = secret\n"
        << "connect_timeout_seconds = 2\n"
        << "[schedule]\nmode = after-import\ndelay_seconds = 604800\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n"
        << "[status]\nport = " << (port == 0 ? port_ : port) << "\nmin_free_megabytes = 1\n"
        << extra;
  }

  // Starts `alur-relay run` with NOTIFY_SOCKET, and WATCHDOG_USEC when `watchdog` is not zero.
  void startService(std::chrono::microseconds watchdog = 0us) {
    ::setenv("NOTIFY_SOCKET", notify_->path().c_str(), 1);
    if (watchdog.count() > 0) {
      ::setenv("WATCHDOG_USEC", std::to_string(watchdog.count()).c_str(), 1);
    }
    bool started = service_.start({std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay", "run",
                                   "--config", (work_ / "alur-relay.conf").string()},
                                  work_ / "console.log");
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ASSERT_TRUE(started);
  }

  // Waits for READY=1 and returns its index, failing the test with the log when it does not come.
  int waitForReady() {
    int ready = notify_->waitFor("READY=1", 30s);
    EXPECT_GE(ready, 0) << log();
    return ready;
  }

  std::string log() { return readFileBytes(work_ / "console.log"); }

  void dropExport(const std::string& name) {
    fs::path temp = work_ / "exports" / "export.tmp";
    fs::copy_file(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv", temp);
    fs::rename(temp, work_ / "exports" / name);
  }

  // Returns the row count of the last import that /status shows, 0 when none, -1 on error.
  int importedRows() {
    auto json = nlohmann::json::parse(httpGet(port_, "/status"), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      return -1;
    }
    if (!json.contains("last_import") || json["last_import"].is_null()) {
      return 0;
    }
    return json["last_import"]["rows"].get<int>();
  }

  fs::path work_;
  int port_ = 0;
  std::unique_ptr<NotifySocket> notify_;
  ChildProcess service_;
};

TEST_F(ServiceNotifyTest, ReadyAfterStatusEndpointAnswers) {
  writeConfig();
  startService();

  int ready = waitForReady();
  ASSERT_GE(ready, 0);
  // Requested at once: the endpoint must already reply when systemd reads READY=1.
  std::string health = httpGet(port_, "/health");
  EXPECT_NE(health.find("\"status\""), std::string::npos) << health;
  EXPECT_TRUE(fs::exists(work_ / "state" / "alur-relay.db"));
  EXPECT_EQ(notify_->statusOf(ready),
            "watching " + (work_ / "exports").string() + ", 0 leases queued");
  EXPECT_EQ(notify_->statusOf(0), "starting");

  notify_->drain(2s);
  EXPECT_TRUE(notify_->timesOf("WATCHDOG=1").empty()) << "pings without WATCHDOG_USEC";
}

TEST_F(ServiceNotifyTest, StatusLineCountsQueuedLeases) {
  writeConfig();
  startService();
  ASSERT_GE(waitForReady(), 0);
  dropExport("export.csv");
  ASSERT_TRUE(waitFor([&] { return importedRows() == 300; }, 60s)) << log();

  // A reload reports READY=1 with a fresh status line; the sample export queues 266 leases.
  ASSERT_EQ(::kill(service_.pid(), SIGHUP), 0);
  int ready = notify_->waitFor("READY=1", 30s);
  ASSERT_GE(ready, 0) << log();
  EXPECT_EQ(notify_->statusOf(ready),
            "watching " + (work_ / "exports").string() + ", 266 leases queued");
}

TEST_F(ServiceNotifyTest, WatchdogPingsWhenRequested) {
  writeConfig();
  // A period of a few seconds, so that a worker tick delayed by a busy machine does not count
  // as a stuck worker.
  startService(4000000us);
  int ready = waitForReady();
  ASSERT_GE(ready, 0);

  notify_->drain(9000ms);
  auto pings = notify_->timesOf("WATCHDOG=1");
  // One at READY=1, then one every half period.
  EXPECT_GE(pings.size(), 4U);
  for (std::size_t i = 1; i < pings.size(); ++i) {
    EXPECT_LT(pings[i] - pings[i - 1], 4000ms) << "gap before ping " << i;
  }
  EXPECT_NE(log().find("watchdog enabled period=4s"), std::string::npos);
}

// A write lock held by another process keeps the worker thread in SQLite's busy wait (10 s)
// at each import attempt, longer than the watchdog period: the main loop must stop pinging,
// and start again once the worker moves.
TEST_F(ServiceNotifyTest, WatchdogWithheldWhileWorkerBlocked) {
  writeConfig();
  startService(2000000us);
  ASSERT_GE(waitForReady(), 0);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((work_ / "state" / "alur-relay.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA busy_timeout = 10000; BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  std::size_t before_lock = notify_->received().size();
  Steady::time_point locked = Steady::now();
  dropExport("export.csv");

  bool withheld = waitFor(
      [&] {
        notify_->drain(100ms);
        return log().find("withholding the watchdog ping") != std::string::npos;
      },
      20s);
  EXPECT_TRUE(withheld) << log();
  // Still within the worker's 10 s busy wait.
  notify_->drain(3000ms);
  auto locked_pings = notify_->timesOf("WATCHDOG=1", before_lock);
  std::size_t after_unlock = notify_->received().size();
  Steady::time_point unlocked = Steady::now();
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);

  Steady::duration longest_gap = unlocked - (locked_pings.empty() ? locked : locked_pings.back());
  for (std::size_t i = 1; i < locked_pings.size(); ++i) {
    longest_gap = std::max(longest_gap, locked_pings[i] - locked_pings[i - 1]);
  }
  EXPECT_GE(longest_gap, 3000ms) << "pings kept coming while the worker was blocked";

  EXPECT_GE(notify_->waitFor("WATCHDOG=1", 30s), 0) << log();
  EXPECT_GE(notify_->timesOf("WATCHDOG=1", after_unlock).size(), 1U);
  EXPECT_TRUE(waitFor([&] { return importedRows() == 300; }, 60s)) << log();
  EXPECT_NE(log().find("watchdog pings resume"), std::string::npos) << log();
}

TEST_F(ServiceNotifyTest, ReloadAppliesReloadableKeys) {
  writeConfig("*.txt");
  startService(1000000us);
  ASSERT_GE(waitForReady(), 0);
  dropExport("export.csv");
  // Three pings, that is at least a second of worker ticks, with the export not matched.
  for (int ping = 0; ping < 3; ++ping) {
    ASSERT_GE(notify_->waitFor("WATCHDOG=1", 5s), 0);
  }
  EXPECT_EQ(importedRows(), 0);

  int new_port = freePort();
  writeConfig("*.csv", new_port);
  std::size_t before_reload = notify_->received().size();
  ASSERT_EQ(::kill(service_.pid(), SIGHUP), 0);

  int reloading = notify_->waitFor("RELOADING=1", 30s);
  ASSERT_GE(reloading, 0) << log();
  EXPECT_GE(static_cast<std::size_t>(reloading), before_reload);
  EXPECT_NE(notify_->received()[static_cast<std::size_t>(reloading)].text.find("MONOTONIC_USEC="),
            std::string::npos);
  int ready = notify_->waitFor("READY=1", 30s);
  ASSERT_GT(ready, reloading) << log();

  EXPECT_TRUE(waitFor([&] { return importedRows() == 300; }, 60s)) << log();
  std::string text = log();
  EXPECT_NE(text.find("reload applies export.file_pattern = *.csv (was *.txt)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("status.port = " + std::to_string(new_port) +
                      " needs a restart; the service keeps " + std::to_string(port_)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("configuration reloaded applied=[export.file_pattern] "
                      "needs_restart=[status.port]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("worker thread uses the reloaded configuration"), std::string::npos) << text;
  EXPECT_TRUE(httpGet(new_port, "/health").empty()) << "the listener moved without a restart";
}

TEST_F(ServiceNotifyTest, RejectedReloadKeepsRunningConfig) {
  writeConfig("*.csv", 0, "[schedule]\n");
  startService();
  ASSERT_GE(waitForReady(), 0);

  writeConfig("*.csv", 0, "[schedule]\ntime = 25:00\n");
  ASSERT_EQ(::kill(service_.pid(), SIGHUP), 0);
  int reloading = notify_->waitFor("RELOADING=1", 30s);
  ASSERT_GE(reloading, 0) << log();
  int ready = notify_->waitFor("READY=1", 30s);
  ASSERT_GT(ready, reloading) << log();
  EXPECT_NE(notify_->statusOf(ready).find("last reload rejected"), std::string::npos);
  EXPECT_NE(log().find("reload rejected, the service keeps its running configuration"),
            std::string::npos)
      << log();
  EXPECT_NE(log().find("schedule.time = 25:00 is not a time of day"), std::string::npos)
      << log();
  EXPECT_TRUE(service_.running());
  EXPECT_FALSE(httpGet(port_, "/health").empty());

  // The same key, now valid, is applied by the next reload.
  writeConfig("*.csv", 0, "[schedule]\ntime = 03:15\n");
  ASSERT_EQ(::kill(service_.pid(), SIGHUP), 0);
  ASSERT_GE(notify_->waitFor("READY=1", 30s), 0) << log();
  EXPECT_NE(log().find("reload applies schedule.time = 03:15 (was 02:30)"), std::string::npos)
      << log();
}

TEST_F(ServiceNotifyTest, StoppingOnSigterm) {
  writeConfig();
  startService(1000000us);
  ASSERT_GE(waitForReady(), 0);

  std::size_t before_stop = notify_->received().size();
  auto asked = Steady::now();
  int status = service_.stop(SIGTERM, kStopTimeout);
  auto took = Steady::now() - asked;

  ASSERT_TRUE(WIFEXITED(status)) << "status " << status << "\n" << log();
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT(took, kStopTimeout);
  int stopping = notify_->waitFor("STOPPING=1", 5s);
  ASSERT_GE(stopping, 0);
  EXPECT_GE(static_cast<std::size_t>(stopping), before_stop);
  EXPECT_NE(log().find("stopped"), std::string::npos);
}

}  // namespace
}  // namespace alur::testing
