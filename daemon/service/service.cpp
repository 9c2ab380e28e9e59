#include "service/service.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/state_lock.h"
#include "ingest/profile.h"
#include "lease/postal_table.h"
#include "service/folder_watcher.h"
#include "service/pipeline.h"
#include "status/http_server.h"
#include "status/status_facts.h"
#include "store/store.h"
#include "transport/transport.h"

namespace alur::service {
namespace {

using Steady = std::chrono::steady_clock;

// One version of a file, as stat() shows it without reading the bytes. The change time and the
// inode catch a rewrite that keeps the size and the modification time (a coarse file system
// clock, or software that restores the time). The content hash of the last import then decides
// whether the bytes changed.
struct FileState {
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uintmax_t inode = 0;
  bool operator==(const FileState&) const = default;
};

// Returns the state of a regular file, or std::nullopt when it is missing or something else.
std::optional<FileState> readFileState(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  constexpr std::int64_t kNanoseconds = 1000000000;
  return FileState{static_cast<std::uintmax_t>(info.st_size),
                   info.st_mtim.tv_sec * kNanoseconds + info.st_mtim.tv_nsec,
                   info.st_ctim.tv_sec * kNanoseconds + info.st_ctim.tv_nsec,
                   static_cast<std::uintmax_t>(info.st_ino)};
}

// The worker: everything that touches the database or the network runs here, on one thread,
// driven by a one-second tick.
class Worker {
 public:
  Worker(const config::Config& config, Pipeline& pipeline, store::Store& store)
      : config_(config),
        pipeline_(pipeline),
        store_(store),
        timer_(io_),
        guard_(io_.get_executor()) {}

  void start() {
    thread_ = std::thread([this] { io_.run(); });
    boost::asio::post(io_, [this] {
      resumeAfterRestart();
      rescan();
      tick();
    });
  }

  void stop() {
    boost::asio::post(io_, [this] { timer_.cancel(); });
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void notice(const std::filesystem::path& file) {
    boost::asio::post(io_, [this, file] { consider(file); });
  }
  void requestRescan() {
    boost::asio::post(io_, [this] { rescan(); });
  }

 private:
  bool matchesPattern(const std::filesystem::path& file) const {
    return fnmatch(config_.file_pattern.c_str(), file.filename().c_str(), FNM_CASEFOLD) == 0;
  }

  void consider(const std::filesystem::path& file) {
    if (!matchesPattern(file) || candidates_.count(file) > 0) {
      return;
    }
    std::optional<FileState> state = readFileState(file);
    if (!state) {
      return;
    }
    auto handled = handled_.find(file);
    if (handled != handled_.end() && handled->second == *state) {
      return;
    }
    candidates_[file] = {*state, Steady::now()};
  }

  // Picks up the work that a stop or a crash interrupted. Leases imported but not yet batched
  // count as a fresh import for the after-import schedule, so they do not wait for the next
  // export.
  void resumeAfterRestart() {
    pipeline_.tidyOutbox();
    auto pending = pipeline_.hasPendingLeases();
    report("batch", pending.status());
    if (pending && *pending) {
      imported_since_batch_ = true;
      last_import_ = Steady::now();
    }
  }

  void rescan() {
    last_rescan_ = Steady::now();
    std::error_code ec;
    std::set<std::filesystem::path> present;
    for (const auto& entry : std::filesystem::directory_iterator(config_.export_folder, ec)) {
      present.insert(entry.path());
      consider(entry.path());
    }
    if (ec) {
      logger("watch")->warn("rescan failed folder={} error=\"{}\"", config_.export_folder.string(),
                            ec.message());
      return;
    }
    // Files gone from the folder are forgotten, so memory does not grow with every name seen.
    std::erase_if(handled_, [&](const auto& item) { return present.count(item.first) == 0; });
  }

  void tick() {
    if (Steady::now() - last_rescan_ >= std::chrono::seconds(config_.rescan_seconds)) {
      rescan();
    }
    importStableFiles();
    buildIfScheduled();
    report("upload", pipeline_.uploadDueBatches());
    if (Steady::now() - last_poll_ >= std::chrono::seconds(config_.receipts.poll_seconds)) {
      auto waiting = pipeline_.awaitingReceipts();
      if (waiting && *waiting) {
        last_poll_ = Steady::now();
        report("receipts", pipeline_.pollReceipts());
      }
    }
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        tick();
      }
    });
  }

  // Reads a file once its size and modification time have not changed for stable_seconds, so
  // that an export still being written is never read halfway.
  void importStableFiles() {
    for (auto it = candidates_.begin(); it != candidates_.end();) {
      const std::filesystem::path file = it->first;
      std::optional<FileState> now = readFileState(file);
      if (!now) {
        it = candidates_.erase(it);  // removed or renamed before it was read
        continue;
      }
      if (!(*now == it->second.state)) {
        it->second = {*now, Steady::now()};
        ++it;
        continue;
      }
      if (Steady::now() - it->second.stable_since < std::chrono::seconds(config_.stable_seconds)) {
        ++it;
        continue;
      }
      auto outcome = pipeline_.importFile(file);
      report("ingest", outcome.status(), file.string());
      if (!outcome) {
        ++it;  // kept: the database is unavailable, try again at the next tick
        continue;
      }
      if (*outcome == ImportOutcome::kImported) {
        last_import_ = Steady::now();
        imported_since_batch_ = true;
      }
      handled_[file] = *now;
      it = candidates_.erase(it);
    }
  }

  void buildIfScheduled() {
    bool due = false;
    if (config_.schedule.mode == "after-import") {
      due = imported_since_batch_ &&
            Steady::now() - last_import_ >= std::chrono::seconds(config_.schedule.delay_seconds);
    } else {
      auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
      std::tm local{};
      localtime_r(&now, &local);
      int today = (local.tm_year + 1900) * 10000 + (local.tm_mon + 1) * 100 + local.tm_mday;
      bool past = local.tm_hour * 60 + local.tm_min >=
                  config_.schedule.daily_hour * 60 + config_.schedule.daily_minute;
      // NOTE: a day is identified by its local date only; runs across DST changes and clock
      // jumps are not yet guarded beyond "at most once per local date".
      due = past && last_daily_run_ != today;
      if (due) {
        pending_daily_run_ = today;
      }
    }
    if (!due) {
      return;
    }
    auto built = pipeline_.buildBatch();
    report("batch", built.status());
    if (!built) {
      return;  // tried again at the next tick, with the same trigger
    }
    imported_since_batch_ = false;
    last_daily_run_ = pending_daily_run_;
  }

  // Logs an error once per change of message, so a lasting fault does not flood the log. A
  // `subject` (an export file) keeps its own last error, so that two files failing in turn do
  // not log at every attempt.
  void report(const std::string& module, const Status& status, const std::string& subject = "") {
    recordFailure(module, status);
    std::string& last = last_errors_[subject.empty() ? module : module + " " + subject];
    if (status.ok()) {
      if (!last.empty()) {
        logger(module)->info("recovered after error=\"{}\"", last);
      }
      last.clear();
      return;
    }
    if (status.message() != last) {
      logger(module)->error("error=\"{}\"", status.message());
      last = status.message();
    }
  }

  // Records the state of the receipts poller for `alur-relay status` and the status endpoint,
  // which run outside this thread. Upload failures are read from the upload_attempt table.
  void recordFailure(const std::string& module, const Status& status) {
    if (module != "receipts" || status.message() == last_errors_[module]) {
      return;
    }
    Status recorded = status::recordFailure(store_, module, status.message(),
                                            formatUtc(std::chrono::system_clock::now()));
    if (!recorded) {
      logger(module)->warn("cannot record the failure error=\"{}\"", recorded.message());
    }
  }

  struct Candidate {
    FileState state;
    Steady::time_point stable_since;
  };

  const config::Config& config_;
  Pipeline& pipeline_;
  store::Store& store_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::map<std::filesystem::path, Candidate> candidates_;
  std::map<std::filesystem::path, FileState> handled_;
  std::map<std::string, std::string> last_errors_;
  Steady::time_point last_rescan_{};
  Steady::time_point last_poll_{};
  Steady::time_point last_import_{};
  bool imported_since_batch_ = false;
  int last_daily_run_ = 0;
  int pending_daily_run_ = 0;
};

}  // namespace

Status checkConfiguredFiles(const config::Config& config) {
  auto profile = ingest::loadProfile(config.profile);
  if (!profile) {
    return profile.status();
  }
  auto postal_table = lease::PostalTable::load(config.postal_table);
  if (!postal_table) {
    return postal_table.status();
  }
  return Status::Ok();
}

int runService(const config::Config& config) {
  auto log = logger("service");
  log->info("starting version={} config={} pid={}", ALUR_VERSION, config.source.string(),
            static_cast<long>(::getpid()));

  auto profile = ingest::loadProfile(config.profile);
  if (!profile) {
    log->critical("profile error=\"{}\"", profile.message());
    return config::kExitConfig;
  }
  auto postal_table = lease::PostalTable::load(config.postal_table);
  if (!postal_table) {
    log->critical("postal table error=\"{}\"", postal_table.message());
    return config::kExitConfig;
  }
  log->info("postal table loaded edition=\"{}\"", postal_table->edition());
  auto lock = lockStateFolder(config.state_dir);
  if (!lock) {
    log->critical("error=\"{}\"", lock.message());
    return 1;
  }
  auto store = store::Store::open(config.databasePath());
  if (!store) {
    log->critical("database error=\"{}\"", store.message());
    return 1;
  }

  for (const auto& [key, value] : {std::pair<std::string, std::string>{
                                       "started_at", formatUtc(std::chrono::system_clock::now())},
                                   {"pid", std::to_string(::getpid())},
                                   {"version", ALUR_VERSION},
                                   {"postal_table_edition", postal_table->edition()}}) {
    if (Status recorded = (*store)->setMeta(key, value); !recorded) {
      log->warn("error=\"{}\"", recorded.message());
    }
  }

  SystemClock clock;
  Pipeline pipeline(
      config, **store, *profile, *postal_table,
      [&config] { return transport::makeFtpsTransport(config.ftps); }, clock);
  Worker worker(config, pipeline, **store);

  boost::asio::io_context io;
  std::unique_ptr<status::HttpServer> status_server;
  if (config.status.port != 0) {
    auto started = status::HttpServer::start(io, config);
    if (!started) {
      log->critical("status endpoint error=\"{}\"", started.message());
      return 1;
    }
    status_server = std::move(*started);
    logger("status")->info("status endpoint listening on {}", status_server->endpoint());
  }
  auto watcher = FolderWatcher::start(
      io, config.export_folder, [&worker](const auto& file) { worker.notice(file); },
      [&worker] {
        logger("watch")->warn("event queue overflow: some changes were lost, rescanning");
        worker.requestRescan();
      });
  if (!watcher) {
    log->warn("watcher error=\"{}\"", watcher.message());
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (!ec) {
      log->info("stopping signal={}", signal_number);
      if (watcher) {
        (*watcher)->stop();
      }
      if (status_server) {
        status_server->stop();
      }
      io.stop();
    }
  });

  worker.start();
  log->info("ready export_folder={} state_dir={}", config.export_folder.string(),
            config.state_dir.string());
  io.run();
  worker.stop();
  log->info("stopped");
  return 0;
}

}  // namespace alur::service
