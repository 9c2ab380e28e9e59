// The platform refuses connections for a simulated week while an export arrives every day.
// The pipeline runs with a ManualClock, so the week of retries takes seconds. The platform's
// address is a real port on 127.0.0.1 that is bound but not listening (connection refused); on
// the eighth day the proxy starts listening on that port in front of the simulator's vsftpd.
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "fault_test_base.h"
#include "support/fault_proxy.h"
#include "support/process.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int kDays = 7;
constexpr int kLeasesPerExport = 20;
constexpr int kRetryMaxSeconds = 3600;

// Counts the lines logged by the loggers it is attached to: per level, and those that contain
// one of the phrases given at construction. It keeps no text, so that it does not take memory
// per line while the test measures the memory of the process.
class CountingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CountingSink(std::vector<std::string> phrases)
      : phrases_(std::move(phrases)), phrase_counts_(phrases_.size(), 0) {}

  int atLeast(spdlog::level::level_enum level) {
    std::lock_guard<std::mutex> lock(mutex_);
    int count = 0;
    for (int l = level; l < spdlog::level::n_levels; ++l) {
      count += level_counts_[l];
    }
    return count;
  }

  int containing(const std::string& phrase) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < phrases_.size(); ++i) {
      if (phrases_[i] == phrase) {
        return phrase_counts_[i];
      }
    }
    return -1;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    ++level_counts_[message.level];
    const std::string_view text(message.payload.data(), message.payload.size());
    for (std::size_t i = 0; i < phrases_.size(); ++i) {
      phrase_counts_[i] += text.find(phrases_[i]) != std::string_view::npos;
    }
  }
  void flush_() override {}

 private:
  std::vector<std::string> phrases_;
  std::vector<int> phrase_counts_;
  std::array<int, spdlog::level::n_levels> level_counts_{};
};

// Resident set size of this process in KiB, from /proc/self/statm.
long residentKib() {
  long total = 0;
  long resident = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> total >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Heap memory that SQLite holds in this process, page caches included, in KiB.
long sqliteKib() { return static_cast<long>(sqlite3_memory_used() / 1024); }

// A socket bound to a free port on 127.0.0.1 without listen(): connecting to it is refused, and
// no other program can take the port while it is open.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~ClosedPort() { release(); }
  void release() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class OutageTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }

  void SetUp() override {
    SimulatorSuite::SetUp();
    upload_log_ = alur::logger("upload");
    saved_sinks_ = upload_log_->sinks();
    upload_log_->sinks() = {sink_};
  }
  void TearDown() override {
    if (upload_log_) {
      upload_log_->sinks() = saved_sinks_;
    }
    SimulatorSuite::TearDown();
  }

  // Runs every upload attempt that falls before `until`, in time order, and returns their
  // number.
  int runAttemptsUntil(RelayHarness& relay, ManualClock& clock,
                       std::chrono::system_clock::time_point until) {
    int calls = 0;
    while (true) {
      const std::string next = relay.query(
          "SELECT MIN(COALESCE(next_attempt_at, '')) FROM batch "
          "WHERE state IN ('built', 'uploading')");
      const auto due = next.empty() ? clock.now() : std::max(clock.now(), parseUtc(next));
      if (due >= until) {
        break;
      }
      clock.set(due);
      EXPECT_TRUE(relay.pipeline().uploadDueBatches().ok());
      ++calls;
    }
    clock.set(until);
    return calls;
  }

  std::shared_ptr<CountingSink> sink_ = std::make_shared<CountingSink>(
      std::vector<std::string>{"upload failed again", "uploads recovered"});
  std::shared_ptr<spdlog::logger> upload_log_;
  std::vector<spdlog::sink_ptr> saved_sinks_;
};

TEST_F(OutageTest, WeekDownThenEverythingDeliveredOnce) {
  ClosedPort platform;
  ASSERT_NE(platform.port(), 0);
  const auto start = std::chrono::system_clock::now();
  ManualClock clock(start);
  RelaySettings settings;
  settings.ident_pro = "OUTAGE";
  settings.port = platform.port();
  settings.retry_initial_seconds = 60;
  settings.retry_max_seconds = kRetryMaxSeconds;
  RelayHarness relay;
  ASSERT_EQ(relay.open(work_, simulatorInfo(), settings, clock), "");

  std::vector<store::BatchRow> batches;
  long resident_after_first_day = 0;
  long sqlite_after_first_day = 0;
  int calls = 0;
  for (int day = 0; day < kDays; ++day) {
    std::string error;
    auto batch = relay.importAndBuild(
        "day" + std::to_string(day) + ".csv",
        sampleExport("D" + std::to_string(day) + "-", day * kLeasesPerExport, kLeasesPerExport),
        &error);
    ASSERT_TRUE(batch) << error;
    batches.push_back(*batch);
    calls += runAttemptsUntil(relay, clock, start + hours(24 * (day + 1)));
    if (day == 0) {
      resident_after_first_day = residentKib();
      sqlite_after_first_day = sqliteKib();
    }
  }
  const long resident_after_week = residentKib();
  const long sqlite_after_week = sqliteKib();

  // Every attempt met a refused connection, and each was recorded.
  const int attempts =
      std::stoi(relay.query("SELECT COUNT(*) FROM upload_attempt WHERE result = 'retry'"));
  EXPECT_EQ(attempts, calls);
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM upload_attempt WHERE result = 'ok'"), "0");
  for (const auto& batch : batches) {
    const std::string id = std::to_string(batch.id);
    EXPECT_EQ(relay.query("SELECT state FROM batch WHERE id = " + id), "uploading");
    EXPECT_EQ(relay.query("SELECT attempts FROM batch WHERE id = " + id),
              relay.query("SELECT COUNT(*) FROM upload_attempt WHERE result = 'retry' AND "
                          "batch_id = " +
                          id));
    EXPECT_TRUE(fs::exists(relay.config().outboxDir() / batch.file_name)) << batch.file_name;
  }
  // Backoff: no wait longer than retry_max_seconds, neither between two attempts nor before the
  // next one, and once capped, waits of retry_max_seconds / 2 on average (full jitter).
  const std::string longest_gap = relay.query(
      "SELECT MAX(gap) FROM (SELECT strftime('%s', at) - LAG(strftime('%s', at)) OVER "
      "(PARTITION BY batch_id ORDER BY id) AS gap FROM upload_attempt WHERE result = 'retry')");
  EXPECT_LE(std::stoi(longest_gap), kRetryMaxSeconds);
  const std::string longest_wait = relay.query(
      "SELECT MAX(strftime('%s', b.next_attempt_at) - strftime('%s', (SELECT MAX(at) FROM "
      "upload_attempt a WHERE a.batch_id = b.id))) FROM batch b");
  EXPECT_LE(std::stoi(longest_wait), kRetryMaxSeconds);
  const int first_batch_attempts = std::stoi(
      relay.query("SELECT attempts FROM batch WHERE id = " + std::to_string(batches[0].id)));
  EXPECT_GE(first_batch_attempts, kDays * 24 * 3600 / kRetryMaxSeconds);
  EXPECT_LE(first_batch_attempts, kDays * 24 * 3600 / (kRetryMaxSeconds / 4));

  // Memory does not grow with the attempts. Between the first day (about 50 attempts) and the
  // end of the week (over 1,000), the resident set grows only by what SQLite's page cache takes
  // as the database grows, and that cache is bounded (cache_size, 2,000 KiB by default).
  const long resident_growth = resident_after_week - resident_after_first_day;
  const long sqlite_growth = sqlite_after_week - sqlite_after_first_day;
  EXPECT_LT(resident_growth - sqlite_growth, 512)
      << "RSS after the first day " << resident_after_first_day << " KiB, after the week "
      << resident_after_week << " KiB; SQLite heap " << sqlite_after_first_day << " KiB, then "
      << sqlite_after_week << " KiB; " << calls << " attempts";
  EXPECT_LT(sqlite_after_week, 4096);
  RecordProperty("attempts", calls);
  RecordProperty("rss_growth_kib", static_cast<int>(resident_growth));
  RecordProperty("sqlite_heap_growth_kib", static_cast<int>(sqlite_growth));

  // The operator was told once: one error for the refused connections, no warning.
  EXPECT_EQ(sink_->atLeast(spdlog::level::warn), 1);
  EXPECT_EQ(sink_->atLeast(spdlog::level::err), 1);
  EXPECT_EQ(sink_->containing("upload failed again"), calls - 1);
  EXPECT_EQ(sink_->containing("uploads recovered"), 0);

  // The platform comes back on the eighth day.
  platform.release();
  FaultProxy proxy;
  ASSERT_EQ(proxy.start(simulatorInfo(), ProxyFault{}, work_ / "proxy", settings.port), "");
  clock.advance(seconds(kRetryMaxSeconds + 1));
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());
  ASSERT_TRUE(relay.pipeline().uploadDueBatches().ok());

  EXPECT_EQ(sink_->containing("uploads recovered"), 1);
  EXPECT_EQ(sink_->atLeast(spdlog::level::err), 1);
  for (const auto& batch : batches) {
    expectDeliveredOnce(relay, batch, relay.batchBytes(batch));
  }
  EXPECT_EQ(proxy.commandCount("STOR"), kDays);
  // vsftpd's transfer log has one line per completed upload ("i" for incoming).
  const std::string transfers = readFileBytes(simulatorFolder() / "xferlog");
  for (const auto& batch : batches) {
    std::size_t count = 0;
    for (std::size_t at = 0;
         (at = transfers.find(batch.file_name + ".part", at)) != std::string::npos; ++at) {
      ++count;
    }
    EXPECT_EQ(count, 1u) << batch.file_name;
  }
  EXPECT_EQ(relay.query("SELECT COUNT(*) FROM lease WHERE state = 'uploaded'"),
            relay.query("SELECT SUM(lease_count) FROM batch"));
}

}  // namespace
}  // namespace alur::testing
