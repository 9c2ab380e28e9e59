#include "transport/ftps_client.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spawn.h>

namespace alur::transport {

std::ostream& operator<<(std::ostream& out, Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return out << "kOk";
    case Outcome::kTransient:
      return out << "kTransient";
    case Outcome::kPermanent:
      return out << "kPermanent";
  }
  return out << "Outcome(" << static_cast<int>(outcome) << ")";
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kSimulatorStartTimeout = std::chrono::seconds(60);
constexpr auto kSimulatorStopTimeout = std::chrono::seconds(30);
constexpr auto kReturnFileTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr int kScriptedServerTimeoutMs = 5000;
constexpr char kTempSuffix[] = ".part";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Creates a new directory under the system temporary directory. Returns an empty path on failure.
fs::path makeTempDirectory(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return {};
  }
  return pattern;
}

// Returns bytes that a text-mode (TYPE A) transfer would alter: CR, LF, NUL and bytes above 0x7F.
std::string binaryContent(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 7) % 256);
  }
  return bytes;
}

// Runs a program found on PATH with its output discarded. Returns its exit status, or -1 when it
// could not run.
int runProgram(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawn_error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

// The connection details from the simulator's ready file.
struct SimulatorInfo {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string ca_file;
  fs::path ftp_root;
  std::string upload_dir;
  std::string return_dir;
};

std::optional<SimulatorInfo> readReadyFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  try {
    const nlohmann::json document = nlohmann::json::parse(in);
    SimulatorInfo info;
    info.host = document.at("host").get<std::string>();
    info.port = document.at("port").get<int>();
    info.user = document.at("user").get<std::string>();
    info.password = document.at("password").get<std::string>();
    info.ca_file = document.at("ca_file").get<std::string>();
    info.ftp_root = document.at("ftp_root").get<std::string>();
    info.upload_dir = document.at("upload_dir").get<std::string>();
    info.return_dir = document.at("return_dir").get<std::string>();
    return info;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// The platform simulator (tests/simulator/platform_sim.py) as a child process: vsftpd on
// 127.0.0.1 with explicit TLS and a temporary system user, which is why it needs root.
class Simulator {
 public:
  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  ~Simulator() { stop(); }

  // Starts the simulator and waits for its ready file. Returns an error message, or an empty
  // string once the server accepts connections.
  std::string start(const std::vector<std::string>& extra_args) {
    base_dir_ = makeTempDirectory("alur-transport-sim-");
    if (base_dir_.empty()) {
      return std::string("mkdtemp failed: ") + std::strerror(errno);
    }
    // vsftpd enters the FTP root with the rights of the simulator's user, and mkdtemp creates
    // the directory with mode 0700.
    std::error_code chmod_error;
    fs::permissions(base_dir_, fs::perms::others_exec, fs::perm_options::add, chmod_error);
    if (chmod_error) {
      return "cannot make " + base_dir_.string() + " searchable: " + chmod_error.message();
    }
    const fs::path ready_file = base_dir_ / "ready.json";
    std::vector<std::string> args = {
        "python3",      std::string(ALUR_SOURCE_DIR) + "/tests/simulator/platform_sim.py",
        "--workdir",    workdir().string(),
        "--ready-file", ready_file.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    if (std::string error = spawn(args); !error.empty()) {
      return error;
    }
    return waitUntilReady(ready_file);
  }

  // Sends SIGTERM, which makes the simulator stop vsftpd and delete its user, and waits for it.
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (!waitForExit(Clock::now() + kSimulatorStopTimeout)) {
        ADD_FAILURE() << "the simulator (pid " << pid_ << ") ignored SIGTERM for "
                      << kSimulatorStopTimeout.count() << " s; killing it, which leaves its FTP "
                      << "user behind";
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
    if (!base_dir_.empty()) {
      std::error_code ignored;
      fs::remove_all(base_dir_, ignored);
      base_dir_.clear();
    }
  }

  const SimulatorInfo& info() const { return info_; }

  // Returns the number of control connections that vsftpd logged since it started.
  int countControlConnections() const {
    std::ifstream log(workdir() / "vsftpd.log");
    int count = 0;
    for (std::string line; std::getline(log, line);) {
      if (line.find("CONNECT: Client") != std::string::npos) {
        ++count;
      }
    }
    return count;
  }

 private:
  fs::path workdir() const { return base_dir_ / "sim"; }
  fs::path logFile() const { return base_dir_ / "simulator.log"; }

  // Starts the simulator with its output in simulator.log. fork and exec instead of posix_spawn,
  // because the child must ask for SIGTERM when this test process dies without stopping it.
  std::string spawn(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    const int log_fd =
        open(logFile().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (log_fd < 0) {
      return "cannot create " + logFile().string() + ": " + std::strerror(errno);
    }
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) {
        _exit(127);
      }
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    close(log_fd);
    if (pid_ < 0) {
      return std::string("fork failed: ") + std::strerror(errno);
    }
    return "";
  }

  std::string waitUntilReady(const fs::path& ready_file) {
    const auto deadline = Clock::now() + kSimulatorStartTimeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "the simulator exited before it was ready (wait status " + std::to_string(status) +
               "): " + readFile(logFile());
      }
      if (std::optional<SimulatorInfo> ready = readReadyFile(ready_file)) {
        info_ = *ready;
        return "";
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    return "the simulator wrote no ready file within " +
           std::to_string(kSimulatorStartTimeout.count()) + " s: " + readFile(logFile());
  }

  bool waitForExit(Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        return true;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    return false;
  }

  fs::path base_dir_;
  pid_t pid_ = -1;
  SimulatorInfo info_;
};

// Base of the fixtures that share one simulator per test suite.
class SimulatorFixture : public ::testing::Test {
 protected:
  static void startSimulator(const std::vector<std::string>& extra_args) {
    start_error_.clear();
    if (geteuid() != 0) {
      return;
    }
    simulator_ = std::make_unique<Simulator>();
    start_error_ = simulator_->start(extra_args);
  }

  static void stopSimulator() { simulator_.reset(); }

  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the platform simulator needs root to create its FTP user";
    }
    ASSERT_EQ(start_error_, "");
    local_dir_ = makeTempDirectory("alur-transport-local-");
    ASSERT_FALSE(local_dir_.empty()) << std::strerror(errno);
  }

  void TearDown() override {
    if (!local_dir_.empty()) {
      std::error_code ignored;
      fs::remove_all(local_dir_, ignored);
    }
  }

  const SimulatorInfo& info() const { return simulator_->info(); }
  const std::string& uploadDir() const { return info().upload_dir; }
  const std::string& returnDir() const { return info().return_dir; }
  int countControlConnections() const { return simulator_->countControlConnections(); }

  FtpsSettings settings() const {
    FtpsSettings settings;
    settings.host = info().host;
    settings.port = info().port;
    settings.user = info().user;
    settings.password = info().password;
    settings.ca_file = info().ca_file;
    settings.connect_timeout_seconds = 10;
    settings.transfer_timeout_seconds = 30;
    return settings;
  }

  fs::path writeLocal(const std::string& name, const std::string& bytes) const {
    const fs::path path = local_dir_ / name;
    writeFile(path, bytes);
    return path;
  }

  // Returns where the simulator stores `remote_dir/name` on this machine.
  fs::path remoteFileOnDisk(const std::string& remote_dir, const std::string& name) const {
    return info().ftp_root / fs::path(remote_dir).relative_path() / name;
  }

  std::vector<std::string> listOrFail(FtpsClient& client, const std::string& remote_dir) const {
    std::vector<std::string> names;
    const TransferResult result = client.list(remote_dir, &names);
    EXPECT_TRUE(result.ok()) << result.message;
    return names;
  }

  static std::unique_ptr<Simulator> simulator_;
  static std::string start_error_;
  fs::path local_dir_;
};

std::unique_ptr<Simulator> SimulatorFixture::simulator_;
std::string SimulatorFixture::start_error_;

class FtpsClientTest : public SimulatorFixture {
 protected:
  static void SetUpTestSuite() { startSimulator({}); }
  static void TearDownTestSuite() { stopSimulator(); }
};

TEST_F(FtpsClientTest, ListsUploadedFileUnderFinalName) {
  FtpsClient client(settings());
  const fs::path local = writeLocal("listed.bin", "lease data\n");

  const TransferResult uploaded = client.upload(local, uploadDir(), "listed.bin", kTempSuffix);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  const std::vector<std::string> names = listOrFail(client, uploadDir());
  EXPECT_THAT(names, Contains("listed.bin"));
  EXPECT_THAT(names, Not(Contains("listed.bin.part")));
  EXPECT_THAT(names, Not(Contains(".")));
  EXPECT_THAT(names, Not(Contains("..")));
}

TEST_F(FtpsClientTest, UploadStoresExactBytes) {
  FtpsClient client(settings());
  const std::string bytes = binaryContent(300 * 1024);
  const fs::path local = writeLocal("exact.bin", bytes);

  const TransferResult uploaded = client.upload(local, uploadDir(), "exact.bin", kTempSuffix);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  const std::string remote = readFile(remoteFileOnDisk(uploadDir(), "exact.bin"));
  ASSERT_EQ(remote.size(), bytes.size());
  EXPECT_TRUE(remote == bytes) << "the remote bytes differ from the local ones";
}

TEST_F(FtpsClientTest, SkipsUploadWhenFinalFileExists) {
  const fs::path local = writeLocal("twice.bin", "same bytes\n");
  const fs::path remote = remoteFileOnDisk(uploadDir(), "twice.bin");
  const TransferResult first =
      FtpsClient(settings()).upload(local, uploadDir(), "twice.bin", kTempSuffix);
  ASSERT_TRUE(first.ok()) << first.message;
  const fs::file_time_type first_write = fs::last_write_time(remote);

  const TransferResult second =
      FtpsClient(settings()).upload(local, uploadDir(), "twice.bin", kTempSuffix);

  EXPECT_EQ(second.outcome, Outcome::kOk) << second.message;
  EXPECT_EQ(fs::last_write_time(remote), first_write);
  EXPECT_FALSE(fs::exists(remoteFileOnDisk(uploadDir(), "twice.bin.part")));
}

TEST_F(FtpsClientTest, RejectsFinalFileWithOtherSize) {
  FtpsClient client(settings());
  const fs::path first = writeLocal("first.bin", "first version\n");
  const TransferResult uploaded = client.upload(first, uploadDir(), "clash.bin", kTempSuffix);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  const fs::path second = writeLocal("second.bin", "second, longer version\n");
  const TransferResult result = client.upload(second, uploadDir(), "clash.bin", kTempSuffix);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr("/depot/clash.bin"));
  EXPECT_EQ(readFile(remoteFileOnDisk(uploadDir(), "clash.bin")), "first version\n");
  EXPECT_FALSE(fs::exists(remoteFileOnDisk(uploadDir(), "clash.bin.part")));
}

TEST_F(FtpsClientTest, RejectsFinalFileWithSameSizeOtherBytes) {
  FtpsClient client(settings());
  const fs::path first = writeLocal("first-same.bin", "version A\n");
  const TransferResult uploaded = client.upload(first, uploadDir(), "same-size.bin", kTempSuffix);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  const fs::path second = writeLocal("second-same.bin", "version B\n");
  const TransferResult result = client.upload(second, uploadDir(), "same-size.bin", kTempSuffix);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr("other content"));
  EXPECT_EQ(readFile(remoteFileOnDisk(uploadDir(), "same-size.bin")), "version A\n");
  EXPECT_FALSE(fs::exists(local_dir_ / "second-same.bin.remote"));
}

TEST_F(FtpsClientTest, ReportsServerCertificateExpiry) {
  FtpsClient client(settings());
  EXPECT_FALSE(client.serverCertificateExpiry().has_value());
  listOrFail(client, uploadDir());

  // The simulator's certificate is valid for 30 days from its start.
  auto expiry = client.serverCertificateExpiry();
  ASSERT_TRUE(expiry.has_value());
  auto now = std::chrono::system_clock::now();
  EXPECT_GT(*expiry, now + std::chrono::hours(24 * 29));
  EXPECT_LT(*expiry, now + std::chrono::hours(24 * 31));
}

TEST_F(FtpsClientTest, ReusesOneControlConnection) {
  const int connections_before = countControlConnections();
  FtpsClient client(settings());
  const std::vector<std::string> names = {"reuse-1.bin", "reuse-2.bin", "reuse-3.bin"};
  for (const std::string& name : names) {
    const TransferResult uploaded =
        client.upload(writeLocal(name, "bytes of " + name), uploadDir(), name, kTempSuffix);
    ASSERT_TRUE(uploaded.ok()) << uploaded.message;
  }

  const std::vector<std::string> listed = listOrFail(client, uploadDir());
  const fs::path downloaded = local_dir_ / "reuse-back.bin";
  const TransferResult download = client.download(uploadDir(), "reuse-2.bin", downloaded);

  for (const std::string& name : names) {
    EXPECT_THAT(listed, Contains(name));
  }
  EXPECT_TRUE(download.ok()) << download.message;
  EXPECT_EQ(readFile(downloaded), "bytes of reuse-2.bin");
  EXPECT_EQ(countControlConnections() - connections_before, 1);
}

TEST_F(FtpsClientTest, DownloadsReturnFile) {
  FtpsClient client(settings());
  const std::string deposit = "2027_73282932000074_001.CSV";
  const std::string acknowledgement = "2027_73282932000074_001.ACK.TXT";
  const TransferResult uploaded =
      client.upload(writeLocal(deposit, "2027;73282932000074;0;transport test\r\n"), uploadDir(),
                    deposit, kTempSuffix);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  bool acknowledged = false;
  const auto deadline = Clock::now() + kReturnFileTimeout;
  while (!acknowledged && Clock::now() < deadline) {
    std::vector<std::string> names;
    const TransferResult listed = client.list(returnDir(), &names);
    ASSERT_TRUE(listed.ok()) << listed.message;
    acknowledged = std::find(names.begin(), names.end(), acknowledgement) != names.end();
    if (!acknowledged) {
      std::this_thread::sleep_for(kPollInterval);
    }
  }
  ASSERT_TRUE(acknowledged) << acknowledgement << " missing from " << returnDir() << " after "
                            << kReturnFileTimeout.count() << " s";

  const fs::path local = writeLocal("ack.txt", "stale content that the download replaces");
  const TransferResult downloaded = client.download(returnDir(), acknowledgement, local);

  ASSERT_TRUE(downloaded.ok()) << downloaded.message;
  EXPECT_EQ(readFile(local), readFile(remoteFileOnDisk(returnDir(), acknowledgement)));
  EXPECT_FALSE(fs::exists(local_dir_ / "ack.txt.part"));
}

TEST_F(FtpsClientTest, DownloadOfMissingFileLeavesNoLocalFile) {
  FtpsClient client(settings());
  const fs::path local = local_dir_ / "absent.txt";

  const TransferResult result = client.download(returnDir(), "absent.txt", local);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.ftp_code, 550);
  EXPECT_FALSE(fs::exists(local));
  EXPECT_FALSE(fs::exists(local_dir_ / "absent.txt.part"));
}

TEST_F(FtpsClientTest, RejectsWrongPassword) {
  FtpsSettings wrong = settings();
  wrong.password = "wrong-" + wrong.password;
  FtpsClient client(wrong);
  std::vector<std::string> names;

  const TransferResult result = client.list(uploadDir(), &names);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.ftp_code, 530);
  EXPECT_THAT(result.message, HasSubstr("login refused"));
  EXPECT_THAT(result.message, Not(HasSubstr(wrong.password)));
  EXPECT_THAT(result.message, Not(HasSubstr(info().password)));
}

TEST_F(FtpsClientTest, RejectsCertificateFromOtherCa) {
  const fs::path other_ca = local_dir_ / "other-ca.pem";
  const int status = runProgram({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                                 (local_dir_ / "other-ca.key").string(), "-out", other_ca.string(),
                                 "-days", "1", "-subj", "/CN=alur transport test other CA"});
  ASSERT_EQ(status, 0) << "openssl could not generate " << other_ca;
  FtpsSettings untrusting = settings();
  untrusting.ca_file = other_ca.string();
  FtpsClient client(untrusting);
  std::vector<std::string> names;

  const TransferResult result = client.list(uploadDir(), &names);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr("certificate"));
}

TEST_F(FtpsClientTest, RejectsUnreadableCaFile) {
  FtpsSettings broken = settings();
  broken.ca_file = writeLocal("not-a-ca.pem", "this is not a PEM certificate\n").string();
  FtpsClient client(broken);
  std::vector<std::string> names;

  const TransferResult result = client.list(uploadDir(), &names);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr("platform.ca_file"));
}

class FtpsClientRenameDeniedTest : public SimulatorFixture {
 protected:
  static void SetUpTestSuite() { startSimulator({"--refuse-rename"}); }
  static void TearDownTestSuite() { stopSimulator(); }
};

TEST_F(FtpsClientRenameDeniedTest, LeavesFinalNameFree) {
  FtpsClient client(settings());
  const fs::path local = writeLocal("refused.bin", "bytes that stay under the temporary name\n");

  const TransferResult result = client.upload(local, uploadDir(), "refused.bin", kTempSuffix);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.ftp_code, 550);
  EXPECT_THAT(result.message, HasSubstr("platform.rename = no"));
  EXPECT_FALSE(fs::exists(remoteFileOnDisk(uploadDir(), "refused.bin")));
  EXPECT_FALSE(fs::exists(remoteFileOnDisk(uploadDir(), "refused.bin.part")));
}

// A one-connection FTP server on 127.0.0.1 that plays a fixed exchange, for failures that vsftpd
// does not produce on demand.
class ScriptedFtpServer {
 public:
  using Script = std::function<void(ScriptedFtpServer& server, int client)>;

  explicit ScriptedFtpServer(Script script) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        listen(listener_, 1) == 0 &&
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
    thread_ = std::thread([this, script = std::move(script)] { serve(script); });
  }

  ScriptedFtpServer(const ScriptedFtpServer&) = delete;
  ScriptedFtpServer& operator=(const ScriptedFtpServer&) = delete;

  ~ScriptedFtpServer() {
    join();
    close(listener_);
  }

  int port() const { return port_; }

  // Waits for the exchange to end and returns the command lines that the client sent.
  std::vector<std::string> commands() {
    join();
    return commands_;
  }

  void sendText(int client, std::string_view text) {
    send(client, text.data(), text.size(), MSG_NOSIGNAL);
  }

  // Reads one command line and records it. Returns std::nullopt on EOF or after the timeout.
  std::optional<std::string> readCommand(int client) {
    std::string line;
    char byte = 0;
    while (waitReadable(client) && recv(client, &byte, 1, 0) == 1) {
      if (byte == '\n') {
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        commands_.push_back(line);
        return line;
      }
      line += byte;
    }
    return std::nullopt;
  }

  // Reads and discards whatever arrives before the timeout, such as a TLS ClientHello.
  void readSome(int client) {
    char buffer[4096];
    if (waitReadable(client)) {
      recv(client, buffer, sizeof(buffer), 0);
    }
  }

 private:
  static bool waitReadable(int fd) {
    pollfd entry{fd, POLLIN, 0};
    return poll(&entry, 1, kScriptedServerTimeoutMs) == 1;
  }

  void serve(const Script& script) {
    if (!waitReadable(listener_)) {
      return;
    }
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      return;
    }
    script(*this, client);
    close(client);
  }

  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::vector<std::string> commands_;
  std::thread thread_;
};

FtpsSettings scriptedSettings(int port) {
  FtpsSettings settings;
  settings.host = "127.0.0.1";
  settings.port = port;
  settings.user = "relay";
  settings.password = "secret-password";
  settings.connect_timeout_seconds = 5;
  settings.transfer_timeout_seconds = 10;
  return settings;
}

TEST(FtpsClientFailureTest, ClosedPortIsTransient) {
  // A bound socket that does not listen makes connect() fail with ECONNREFUSED, and keeping it
  // open keeps other programs off the port during the test.
  const int bound = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(bound, reinterpret_cast<sockaddr*>(&address), length), 0) << std::strerror(errno);
  ASSERT_EQ(getsockname(bound, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  FtpsClient client(scriptedSettings(port));
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);
  close(bound);

  EXPECT_EQ(result.outcome, Outcome::kTransient);
  EXPECT_THAT(result.message, HasSubstr("127.0.0.1:" + std::to_string(port)));
}

TEST(FtpsClientFailureTest, ServerWithoutTlsIsPermanent) {
  ScriptedFtpServer server([](ScriptedFtpServer& self, int client) {
    self.sendText(client, "220 plain FTP only\r\n");
    while (self.readCommand(client)) {
      self.sendText(client, "500 Unknown command.\r\n");
    }
  });
  FtpsClient client(scriptedSettings(server.port()));
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);
  const std::vector<std::string> commands = server.commands();

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr("TLS"));
  EXPECT_THAT(commands, Contains("AUTH TLS"));
  for (const std::string& command : commands) {
    EXPECT_THAT(command, Not(HasSubstr("USER"))) << "credentials sent without TLS";
    EXPECT_THAT(command, Not(HasSubstr("secret-password"))) << "password sent without TLS";
  }
}

TEST(FtpsClientFailureTest, InterruptedHandshakeIsTransient) {
  ScriptedFtpServer server([](ScriptedFtpServer& self, int client) {
    self.sendText(client, "220 ready\r\n");
    if (self.readCommand(client)) {
      self.sendText(client, "234 Proceed with negotiation.\r\n");
      self.readSome(client);
    }
  });
  FtpsClient client(scriptedSettings(server.port()));
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);

  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_THAT(server.commands(), Contains("AUTH TLS"));
}

TEST(FtpsClientFailureTest, ImplicitTlsOnExplicitPortIsPermanent) {
  ScriptedFtpServer server([](ScriptedFtpServer& self, int client) {
    self.sendText(client, "220 ready for AUTH TLS\r\n");
    self.readSome(client);
  });
  FtpsSettings implicit = scriptedSettings(server.port());
  implicit.implicit_tls = true;
  FtpsClient client(implicit);
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);

  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.message;
  EXPECT_THAT(result.message, HasSubstr("platform.tls"));
}

// A server that accepts the connection and stays silent: libcurl waits for its greeting, and
// the progress callback must keep running (about once a second) so that the service's watchdog
// counts the thread as alive. Returning false ends the wait as a transient failure.
TEST(FtpsClientFailureTest, ProgressCallbackRunsWhileServerIsSilent) {
  ScriptedFtpServer server([](ScriptedFtpServer& self, int client) { self.readSome(client); });
  constexpr auto kSilence = std::chrono::milliseconds(2500);
  std::vector<Clock::time_point> calls;
  const Clock::time_point started = Clock::now();
  FtpsClient client(scriptedSettings(server.port()), [&] {
    calls.push_back(Clock::now());
    return calls.back() - started < kSilence;
  });
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);
  const auto took = Clock::now() - started;

  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_THAT(result.message, HasSubstr("interrupted because the service is stopping"));
  EXPECT_GE(took, kSilence);
  // The server closes the connection after kScriptedServerTimeoutMs.
  EXPECT_LT(took, std::chrono::milliseconds(kScriptedServerTimeoutMs));
  ASSERT_FALSE(calls.empty());
  Clock::duration longest_gap = calls.front() - started;
  for (std::size_t i = 1; i < calls.size(); ++i) {
    longest_gap = std::max(longest_gap, calls[i] - calls[i - 1]);
  }
  EXPECT_LE(longest_gap, std::chrono::milliseconds(1500));
}

TEST(FtpsClientFailureTest, ServiceNotAvailableIsTransient) {
  ScriptedFtpServer server([](ScriptedFtpServer& self, int client) {
    self.sendText(client, "421 Too many connections, try again later.\r\n");
  });
  FtpsClient client(scriptedSettings(server.port()));
  std::vector<std::string> names;

  const TransferResult result = client.list("/depot", &names);

  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_EQ(result.ftp_code, 421);
}

TEST(FtpsClientFailureTest, RejectsUnsafeRemoteNames) {
  // Nothing listens on port 1, so a name that reached the network would give kTransient.
  FtpsClient client(scriptedSettings(1));
  const fs::path local = fs::temp_directory_path() / "unused-local-file";
  const std::vector<std::string> unsafe_names = {"",    ".",           "..",
                                                 "a/b", "x\r\nDELE y", std::string("nul\0x", 5)};
  for (const std::string& name : unsafe_names) {
    SCOPED_TRACE("name: " + name);
    const TransferResult uploaded = client.upload(local, "/depot", name, kTempSuffix);
    const TransferResult downloaded = client.download("/depot", name, local);
    EXPECT_EQ(uploaded.outcome, Outcome::kPermanent);
    EXPECT_EQ(downloaded.outcome, Outcome::kPermanent);
  }
}

TEST(FtpsClientFailureTest, RejectsSuffixThatEndsCommand) {
  FtpsClient client(scriptedSettings(1));
  const TransferResult result = client.upload(fs::temp_directory_path() / "unused-local-file",
                                              "/depot", "batch.csv", ".part\r\nDELE x");
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
}

TEST(FtpsClientFailureTest, MissingLocalFileIsPermanent) {
  FtpsClient client(scriptedSettings(1));
  const fs::path missing = fs::temp_directory_path() / "alur-transport-test-missing.csv";

  const TransferResult result = client.upload(missing, "/depot", "batch.csv", kTempSuffix);

  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.message, HasSubstr(missing.string()));
}

struct ClassifyCase {
  CURLcode code;
  long ftp_code;
  Outcome expected;
};

void expectClassified(const std::vector<ClassifyCase>& cases) {
  for (const ClassifyCase& entry : cases) {
    SCOPED_TRACE(std::string(curl_easy_strerror(entry.code)) + " (" +
                 std::to_string(static_cast<int>(entry.code)) + "), FTP reply " +
                 std::to_string(entry.ftp_code));
    EXPECT_EQ(classify(entry.code, entry.ftp_code), entry.expected);
  }
}

TEST(ClassifyTest, SuccessIsOk) { EXPECT_EQ(classify(CURLE_OK, 226), Outcome::kOk); }

TEST(ClassifyTest, NetworkFailuresAreTransient) {
  expectClassified({
      {CURLE_COULDNT_CONNECT, 0, Outcome::kTransient},
      {CURLE_OPERATION_TIMEDOUT, 0, Outcome::kTransient},
      {CURLE_RECV_ERROR, 0, Outcome::kTransient},
      {CURLE_SEND_ERROR, 0, Outcome::kTransient},
      {CURLE_GOT_NOTHING, 0, Outcome::kTransient},
      {CURLE_PARTIAL_FILE, 226, Outcome::kTransient},
      {CURLE_SSL_CONNECT_ERROR, 234, Outcome::kTransient},
      {CURLE_COULDNT_RESOLVE_HOST, 0, Outcome::kTransient},
      {CURLE_FTP_ACCEPT_TIMEOUT, 0, Outcome::kTransient},
  });
}

TEST(ClassifyTest, TransientRepliesAreTransient) {
  expectClassified({
      {CURLE_WEIRD_SERVER_REPLY, 421, Outcome::kTransient},
      {CURLE_LOGIN_DENIED, 421, Outcome::kTransient},
      {CURLE_FTP_COULDNT_RETR_FILE, 425, Outcome::kTransient},
      {CURLE_UPLOAD_FAILED, 425, Outcome::kTransient},
      {CURLE_UPLOAD_FAILED, 426, Outcome::kTransient},
      {CURLE_FTP_COULDNT_RETR_FILE, 450, Outcome::kTransient},
      {CURLE_UPLOAD_FAILED, 451, Outcome::kTransient},
      {CURLE_UPLOAD_FAILED, 452, Outcome::kTransient},
      {CURLE_QUOTE_ERROR, 450, Outcome::kTransient},
  });
}

TEST(ClassifyTest, RefusalsArePermanent) {
  expectClassified({
      {CURLE_LOGIN_DENIED, 530, Outcome::kPermanent},
      {CURLE_LOGIN_DENIED, 0, Outcome::kPermanent},
      {CURLE_REMOTE_ACCESS_DENIED, 550, Outcome::kPermanent},
      {CURLE_REMOTE_FILE_NOT_FOUND, 550, Outcome::kPermanent},
      {CURLE_FTP_COULDNT_RETR_FILE, 550, Outcome::kPermanent},
      {CURLE_QUOTE_ERROR, 550, Outcome::kPermanent},
      {CURLE_UPLOAD_FAILED, 553, Outcome::kPermanent},
      {CURLE_PEER_FAILED_VERIFICATION, 0, Outcome::kPermanent},
      {CURLE_SSL_CACERT_BADFILE, 0, Outcome::kPermanent},
      {CURLE_USE_SSL_FAILED, 0, Outcome::kPermanent},
      {CURLE_USE_SSL_FAILED, 500, Outcome::kPermanent},
      {CURLE_REMOTE_ACCESS_DENIED, 0, Outcome::kPermanent},
  });
}

TEST(ClassifyTest, InterruptedHandshakeIsTransient) {
  // Error texts of libcurl 7.88 with OpenSSL 3.0 for a peer that closes or resets the connection.
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR, 234,
                     "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:21"),
            Outcome::kTransient);
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR, 234, "Recv failure: Connection reset by peer"),
            Outcome::kTransient);
}

TEST(ClassifyTest, TlsMismatchIsPermanent) {
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR, 0,
                     "OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number"),
            Outcome::kPermanent);
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR, 234,
                     "OpenSSL/3.0.11: error:0A000410:SSL routines::sslv3 alert handshake failure"),
            Outcome::kPermanent);
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR, 234,
                     "OpenSSL/3.0.11: error:0A00042E:SSL routines::tlsv1 alert protocol version"),
            Outcome::kPermanent);
}

TEST(ClassifyTest, NetworkFailureOutranksEarlierReply) {
  // The reply code is the last one received, which may belong to an earlier command.
  EXPECT_EQ(classify(CURLE_RECV_ERROR, 550), Outcome::kTransient);
}

TEST(ClassifyTest, CertificateFailureOutranksTransientReply) {
  EXPECT_EQ(classify(CURLE_PEER_FAILED_VERIFICATION, 421), Outcome::kPermanent);
}

TEST(ClassifyTest, AbortByProgressCallbackIsTransient) {
  // Even after a 5yz reply to an earlier command: the batch must not fail because of a stop.
  EXPECT_EQ(classify(CURLE_ABORTED_BY_CALLBACK, 0), Outcome::kTransient);
  EXPECT_EQ(classify(CURLE_ABORTED_BY_CALLBACK, 550), Outcome::kTransient);
}

}  // namespace
}  // namespace alur::transport
