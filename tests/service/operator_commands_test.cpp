// Runs `alur-relay queue` and `alur-relay resend BATCH` as processes on a real SQLite database
// filled through store::Store. The cases: the service stopped, the service running (WAL mode,
// writers take BEGIN IMMEDIATE), standard input not a terminal, and a pseudo-terminal on which
// the test types the confirmation.
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "status/store_fill.h"
#include "support/process.h"

#include <pty.h>

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kBinary = std::string(ALUR_BINARY_DIR) + "/daemon/alur-relay";

struct CliResult {
  int exit_code = -1;  // -1: killed or did not exit within the timeout
  std::string out;
  std::string err;
};

// Waits up to `timeout` for `pid` and returns its exit code, or -1 after killing it.
int waitForExit(pid_t pid, std::chrono::seconds timeout) {
  int status = 0;
  bool exited = waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Replaces the forked child with the binary run with `args`.
[[noreturn]] void execBinary(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& arg : argv) {
    raw.push_back(arg.data());
  }
  raw.push_back(nullptr);
  ::execv(raw[0], raw.data());
  ::_exit(127);
}

// Runs the binary with `args`, standard input from /dev/null, and returns its exit code and
// what it wrote to standard output and standard error.
CliResult runCli(const std::vector<std::string>& args, const fs::path& folder) {
  static int runs = 0;
  fs::path out_file = folder / ("cli-" + std::to_string(++runs) + ".out");
  fs::path err_file = folder / ("cli-" + std::to_string(runs) + ".err");
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    execBinary(args);
  }
  CliResult result;
  result.exit_code = waitForExit(pid, 60s);
  result.out = readFileBytes(out_file);
  result.err = readFileBytes(err_file);
  return result;
}

// Runs the binary on a pseudo-terminal, writes `answer` once the confirmation prompt shows,
// and returns the exit code and everything the terminal showed.
CliResult runOnTerminal(const std::vector<std::string>& args, const std::string& answer) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    execBinary(args);
  }
  CliResult result;
  if (pid < 0) {
    return result;
  }

  bool answered = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{master, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) {
      continue;
    }
    char buffer[4096];
    ssize_t count = ::read(master, buffer, sizeof buffer);
    if (count <= 0) {
      break;  // EIO once the child closed the terminal
    }
    result.out.append(buffer, static_cast<std::size_t>(count));
    if (!answered && result.out.find("[y/N] ") != std::string::npos) {
      ::write(master, answer.data(), answer.size());
      answered = true;
    }
  }
  result.exit_code = waitForExit(pid, 10s);
  ::close(master);
  return result;
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << part << "\" not found in:\n" << text;
}

class OperatorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = makeTempFolder("alur-operator-");
    ASSERT_FALSE(work_.empty());
    fs::create_directories(work_ / "exports");
    fs::create_directories(work_ / "state");
    writeConfig();
    fill();
  }

  void TearDown() override {
    service_.stop(SIGTERM, 20s);
    fs::remove_all(work_);
  }

  // The platform is 127.0.0.1 port 1, where nothing listens. With the default delay, the
  // schedule builds no batch during a test: the service only retries the batches already in
  // the database.
  void writeConfig(int delay_seconds = 3600) {
    std::ofstream out(work_ / "alur-relay.conf");
    out << "[service]\nstate_dir = " << (work_ / "state").string() << "\n"
        << "log_file = " << (work_ / "alur-relay.log").string() << "\n"
        << "[export]\nfolder = " << (work_ / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nport = 1\nuser = agence\npassword = secret\n"
        << "connect_timeout_seconds = 2\n"
        << "[schedule]\nmode = after-import\ndelay_seconds = " << delay_seconds << "\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n"
        << "[status]\nport = 0\n";
  }

  std::unique_ptr<store::Store> openStore() {
    auto store = store::Store::open(work_ / "state" / "alur-relay.db");
    EXPECT_TRUE(store.ok()) << store.message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A certified batch, a batch that failed permanently, one waiting for a retry, one that the
  // platform rejected as a whole, and two pending leases.
  void fill() {
    auto store = openStore();
    ASSERT_TRUE(store);
    importLeases(*store, {{"CERT", lease::Classification::kValid}}, {}, "/exports/1.csv");
    auto certified = buildFillBatch(*store, 0);
    ASSERT_TRUE(certified.has_value());
    certified_ = certified->file_name;
    certify(*store, *certified, {{"CERT", "integrated", ""}},
            work_ / "state" / "archive" / "c.pdf");

    importLeases(*store, {{"FAIL", lease::Classification::kValid}}, {}, "/exports/2.csv");
    auto failed = buildFillBatch(*store, 0);
    ASSERT_TRUE(failed.has_value());
    failed_ = failed->file_name;
    ASSERT_TRUE(store->markUploading(failed->id, "2026-01-16T10:00:00Z").ok());
    ASSERT_TRUE(store
                    ->recordUploadFailure(failed->id, true, "530 Login incorrect",
                                          "2026-01-16T10:00:01Z", "")
                    .ok());

    importLeases(*store, {{"RETRY", lease::Classification::kValid}}, {}, "/exports/3.csv");
    auto retry = buildFillBatch(*store, 0);
    ASSERT_TRUE(retry.has_value());
    retry_ = retry->file_name;
    retry_next_ = formatUtc(std::chrono::system_clock::now() + 30min);
    ASSERT_TRUE(store->markUploading(retry->id, "2026-01-17T10:00:00Z").ok());
    ASSERT_TRUE(store
                    ->recordUploadFailure(retry->id, false, "Connection timed out",
                                          "2026-01-17T10:00:30Z", retry_next_)
                    .ok());

    importLeases(*store,
                 {{"REJ1", lease::Classification::kValid}, {"REJ2", lease::Classification::kValid}},
                 {}, "/exports/4.csv");
    auto rejected = buildFillBatch(*store, 0);
    ASSERT_TRUE(rejected.has_value());
    rejected_ = rejected->file_name;
    ASSERT_TRUE(store->markUploading(rejected->id, "2026-01-18T10:00:00Z").ok());
    ASSERT_TRUE(store->markUploaded(rejected->id, "2026-01-18T10:00:05Z").ok());
    ASSERT_TRUE(
        store->markRejectedAsWhole(rejected->id, "en-tête illisible", "2026-01-18T11:00:00Z").ok());

    importLeases(
        *store,
        {{"WAIT1", lease::Classification::kValid}, {"WAIT2", lease::Classification::kValid}}, {},
        "/exports/5.csv");
  }

  std::string config() const { return (work_ / "alur-relay.conf").string(); }

  store::BatchRow batch(const std::string& name) {
    auto store = store::Store::openReadOnly(work_ / "state" / "alur-relay.db");
    EXPECT_TRUE(store.ok()) << store.message();
    if (!store.ok()) {
      return {};
    }
    auto row = (*store)->batchByName(name);
    EXPECT_TRUE(row.ok()) << row.message();
    if (row.ok()) {
      EXPECT_TRUE(row->has_value()) << "no batch " << name;
    }
    return row.ok() && row->has_value() ? **row : store::BatchRow{};
  }

  int leasesInState(const std::string& state) {
    auto store = store::Store::openReadOnly(work_ / "state" / "alur-relay.db");
    auto leases = store.ok() ? (*store)->leasesInState(state) : Status::Error(store.message());
    return leases.ok() ? static_cast<int>(leases->size()) : -1;
  }

  void startService() {
    ASSERT_TRUE(service_.start({kBinary, "run", "--config", config()}, work_ / "console.log"));
    bool ready = waitFor(
        [&] { return readFileBytes(work_ / "console.log").find("] ready") != std::string::npos; },
        30s);
    ASSERT_TRUE(ready) << readFileBytes(work_ / "console.log");
  }

  fs::path work_;
  ChildProcess service_;
  std::string certified_;
  std::string failed_;
  std::string retry_;
  std::string retry_next_;
  std::string rejected_;
};

TEST_F(OperatorCommandsTest, QueueListsWaitingAndStuck) {
  CliResult queue = runCli({"queue", "--config", config()}, work_);
  ASSERT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_TRUE(contains(queue.out,
                       "Service: stopped, so nothing is built or uploaded until it "
                       "starts\n"));
  EXPECT_TRUE(contains(queue.out, "Leases waiting for the next batch: 2, the oldest queued at"));
  EXPECT_TRUE(contains(queue.out, "Next batch: a batch 3600 s after the next export is read"));
  EXPECT_TRUE(contains(queue.out, "Leases to correct in the management software: 2"));
  EXPECT_TRUE(contains(queue.out, "Batches not yet certified, oldest first: 3\n"));
  EXPECT_FALSE(contains(queue.out, certified_));

  EXPECT_TRUE(contains(queue.out, "  " + failed_ + "  failed  1 leases"));
  EXPECT_TRUE(contains(queue.out, "attempts: 1, the last failed at 2026-01-16T10:00:01Z"));
  EXPECT_TRUE(contains(queue.out, "last error: 530 Login incorrect"));
  EXPECT_TRUE(contains(queue.out, "fix the cause, then alur-relay resend " + failed_));

  EXPECT_TRUE(contains(queue.out, "  " + retry_ + "  uploading  1 leases"));
  EXPECT_TRUE(contains(queue.out, "last error: Connection timed out"));
  EXPECT_TRUE(contains(queue.out, "next attempt: " + retry_next_ + " (in "));

  EXPECT_TRUE(contains(queue.out, "  " + rejected_ + "  failed  2 leases"));
  EXPECT_TRUE(contains(queue.out,
                       "the platform rejected the whole file: en-tête illisible "
                       "(recorded at 2026-01-18T11:00:00Z)"));
  EXPECT_TRUE(
      contains(queue.out, "send its leases again in a new batch: alur-relay resend " + rejected_));
  // Oldest first.
  EXPECT_LT(queue.out.find(failed_), queue.out.find(retry_));
  EXPECT_LT(queue.out.find(retry_), queue.out.find(rejected_));
}

TEST_F(OperatorCommandsTest, ResendWithoutTerminalNeedsYes) {
  CliResult resend = runCli({"resend", failed_, "--config", config()}, work_);
  EXPECT_EQ(resend.exit_code, 64);
  EXPECT_TRUE(contains(resend.out, "batch " + failed_ +
                                       ": 1 leases, failed permanently at "
                                       "2026-01-16T10:00:01Z with \"530 Login incorrect\""));
  EXPECT_TRUE(contains(resend.err, "standard input is not a terminal"));
  EXPECT_TRUE(contains(resend.err, "add --yes to resend batch " + failed_));
  EXPECT_EQ(batch(failed_).state, "failed");
}

TEST_F(OperatorCommandsTest, ResendYesRebuildsFailedBatch) {
  CliResult resend = runCli({"resend", failed_, "--yes", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_TRUE(contains(resend.out,
                       "It goes back to built and is uploaded again under the same "
                       "name, with the same bytes."));
  EXPECT_TRUE(contains(resend.out,
                       "Done: the service is stopped: it uploads it as soon as it "
                       "starts."));
  store::BatchRow row = batch(failed_);
  EXPECT_EQ(row.state, "built");
  EXPECT_EQ(row.attempts, 0);
  EXPECT_EQ(row.last_error, "");
  EXPECT_EQ(batch(rejected_).state, "failed");  // only the named batch
  EXPECT_EQ(leasesInState("rejected"), 2);

  CliResult queue = runCli({"queue", "--config", config()}, work_);
  EXPECT_TRUE(contains(queue.out, "  " + failed_ + "  built  1 leases"));
  EXPECT_TRUE(contains(queue.out, "next attempt: as soon as the service starts"));
}

TEST_F(OperatorCommandsTest, ResendNameWithoutExtension) {
  std::string stem = failed_.substr(0, failed_.size() - 4);
  CliResult resend = runCli({"resend", stem, "-y", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_EQ(batch(failed_).state, "built");
}

TEST_F(OperatorCommandsTest, ResendAsksOnTerminal) {
  CliResult declined = runOnTerminal({"resend", failed_, "--config", config()}, "n\n");
  EXPECT_EQ(declined.exit_code, 0) << declined.out;
  EXPECT_TRUE(contains(declined.out, "Resend batch " + failed_ + "? [y/N] "));
  EXPECT_TRUE(contains(declined.out, "Nothing was changed."));
  EXPECT_EQ(batch(failed_).state, "failed");

  CliResult accepted = runOnTerminal({"resend", failed_, "--config", config()}, "y\n");
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out;
  EXPECT_TRUE(contains(accepted.out, "Done: "));
  EXPECT_EQ(batch(failed_).state, "built");
}

TEST_F(OperatorCommandsTest, ResendRejectedBatchRequeuesLeases) {
  CliResult resend = runCli({"resend", rejected_, "--yes", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_TRUE(contains(resend.out, "batch " + rejected_ +
                                       ": 2 leases, failed at 2026-01-18T11:00:00Z: the platform "
                                       "rejected the whole file: en-tête illisible."));
  EXPECT_TRUE(contains(resend.out,
                       "Its 2 leases go back to the queue for a new batch under a "
                       "new name, and this batch stays failed. Next batch: a batch "
                       "3600 s after the service sees them, which the running service does "
                       "within 10 s and a stopped one at its start"));
  EXPECT_EQ(leasesInState("rejected"), 0);
  EXPECT_EQ(leasesInState("pending"), 4);
  EXPECT_EQ(batch(rejected_).state, "failed");

  CliResult queue = runCli({"queue", "--config", config()}, work_);
  EXPECT_FALSE(contains(queue.out, rejected_));
  CliResult again = runCli({"resend", rejected_, "--yes", "--config", config()}, work_);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "None of its leases waits to be sent again"));
}

// In after-import mode, leases put back in the queue get a batch without waiting for an export.
TEST_F(OperatorCommandsTest, RequeuedLeasesGetBatchWithoutExport) {
  writeConfig(1);
  startService();
  // The start counts as an import: the two pending leases go into a batch after a second.
  ASSERT_TRUE(waitFor([&] { return leasesInState("pending") == 0; }, 30s))
      << readFileBytes(work_ / "console.log");
  int batched_before = leasesInState("batched");

  CliResult resend = runCli({"resend", rejected_, "--yes", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_EQ(leasesInState("pending"), 2);
  EXPECT_TRUE(waitFor([&] { return leasesInState("pending") == 0; }, 30s))
      << readFileBytes(work_ / "console.log");
  EXPECT_EQ(leasesInState("batched"), batched_before + 2);
  EXPECT_EQ(batch(rejected_).state, "failed");
}

TEST_F(OperatorCommandsTest, ResendRetryMakesItDueNow) {
  CliResult resend = runCli({"resend", retry_, "--yes", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_TRUE(contains(resend.out,
                       "attempt 1 failed at 2026-01-17T10:00:30Z with \"Connection "
                       "timed out\", next attempt planned at " +
                           retry_next_));
  store::BatchRow row = batch(retry_);
  EXPECT_EQ(row.state, "uploading");
  EXPECT_EQ(row.next_attempt_at, "");
  EXPECT_EQ(row.attempts, 1);
}

TEST_F(OperatorCommandsTest, ResendCertifiedBatchRejected) {
  CliResult resend = runCli({"resend", certified_, "--yes", "--config", config()}, work_);
  EXPECT_EQ(resend.exit_code, 1);
  EXPECT_TRUE(contains(resend.err, "sending it again would send its leases twice"));
  EXPECT_EQ(batch(certified_).state, "certified");
}

TEST_F(OperatorCommandsTest, ResendUnknownBatch) {
  CliResult resend = runCli({"resend", "2026_NOPE_001.CSV", "--yes", "--config", config()}, work_);
  EXPECT_EQ(resend.exit_code, 1);
  EXPECT_TRUE(contains(resend.err, "no batch named 2026_NOPE_001.CSV"));
  EXPECT_TRUE(contains(resend.err, "alur-relay queue lists"));
}

TEST_F(OperatorCommandsTest, ResendAloneResendsAllFailed) {
  CliResult resend = runCli({"resend", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_TRUE(contains(resend.out, "2 failed batch(es) put back to work"));
  EXPECT_EQ(batch(failed_).state, "built");
  EXPECT_EQ(leasesInState("rejected"), 0);
}

TEST_F(OperatorCommandsTest, CommandsWorkWhileServiceRuns) {
  startService();
  CliResult queue = runCli({"queue", "--config", config()}, work_);
  ASSERT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_TRUE(contains(queue.out, "Service: running\n"));
  EXPECT_TRUE(contains(queue.out, failed_));

  CliResult resend = runCli({"resend", failed_, "--yes", "--config", config()}, work_);
  ASSERT_EQ(resend.exit_code, 0) << resend.err;
  EXPECT_TRUE(contains(resend.out, "Done: the running service uploads it at its next check"));

  // The service picks the batch up at its next tick. Nothing listens on port 1, so the attempt
  // fails again, now as a transient error with a retry planned.
  bool retried = waitFor(
      [&] {
        store::BatchRow row = batch(failed_);
        return row.state == "uploading" && row.attempts == 1 && !row.next_attempt_at.empty();
      },
      30s);
  EXPECT_TRUE(retried) << readFileBytes(work_ / "console.log");
  EXPECT_NE(batch(failed_).last_error, "530 Login incorrect");
  EXPECT_EQ(batch(retry_).next_attempt_at, retry_next_);  // not yet due, left alone
  EXPECT_TRUE(service_.running());
}

}  // namespace
}  // namespace alur::testing
