#include "service/service.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#ifndef _WIN32
#include <unistd.h>
#endif

#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "common/state_lock.h"
#include "common/system.h"
#include "common/text.h"
#include "ingest/profile.h"
#include "lease/postal_table.h"
#include "notify/notifier.h"
#include "schedule/stored_schedule.h"
#include "service/activity.h"
#include "service/folder_watcher.h"
#include "service/heartbeat.h"
#include "service/pipeline.h"
#include "service/reload.h"
#include "service/service_manager.h"
#include "service/watchdog.h"
#include "status/http_server.h"
#include "status/status_facts.h"
#include "store/store.h"
#include "transport/transport.h"

namespace alur::service {
namespace {

using Steady = std::chrono::steady_clock;

// How often the after-import schedule looks for leases put back in the queue by `resend`.
constexpr std::chrono::seconds kQueueCheckInterval(10);

// The worker: everything that touches the database or the network runs here, on one thread,
// driven by a one-second tick. It stamps `heartbeat` at each tick, for the watchdog.
class Worker {
 public:
  Worker(const config::Config& config, Pipeline& pipeline, store::Store& store,
         notify::Notifier& notifier, Heartbeat& heartbeat)
      : config_(config),
        pipeline_(pipeline),
        store_(store),
        notifier_(notifier),
        heartbeat_(heartbeat),
        schedule_(std::make_unique<schedule::StoredSchedule>(config.schedule, clock_, store)),
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
  // Runs `task` on the worker thread between two steps, so that it may change the configuration
  // the worker reads without a lock.
  void runOnWorkerThread(std::function<void()> task) { boost::asio::post(io_, std::move(task)); }

  // Takes the [schedule] settings of a reloaded configuration. The last run is read again from
  // the database, so the day's run is not repeated. Call on the worker thread.
  void reloadSchedule() {
    schedule_ = std::make_unique<schedule::StoredSchedule>(config_.schedule, clock_, store_);
    auto pending = pipeline_.hasPendingLeases();
    if (pending && *pending) {
      schedule_->noteImport();  // leases imported before the reload still get their batch
    }
  }

  // Tries the e-mail outbox at once with reloaded [email] settings.
  void reloadEmail() { notifier_.resetBackoff(); }

 private:
  bool matchesPattern(const std::filesystem::path& file) const {
    return matchesFilePattern(config_.file_pattern, utf8FileName(file));
  }

  void consider(const std::filesystem::path& file) {
    if (!matchesPattern(file) || candidates_.count(file) > 0) {
      return;
    }
    std::optional<FileState> state = regularFileState(file);
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
      schedule_->noteImport();
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

  // Runs one step of a tick. An exception that escapes it is reported like an error of that
  // step, so that the other steps and the next ticks go on instead of the thread ending.
  template <typename Step>
  void runStep(const std::string& module, Step&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      report(module, Status::Error(std::string("unexpected error: ") + e.what()), "step");
    }
  }

  void tick() {
    heartbeat_.beat();
    runStep("watch", [this] {
      if (Steady::now() - last_rescan_ >= std::chrono::seconds(config_.rescan_seconds)) {
        rescan();
      }
    });
    runStep("ingest", [this] { importStableFiles(); });
    runStep("batch", [this] {
      noticeRequeuedLeases();
      buildIfScheduled();
    });
    runStep("upload", [this] { report("upload", pipeline_.uploadDueBatches()); });
    runStep("receipts", [this] {
      if (Steady::now() - last_poll_ >= std::chrono::seconds(config_.receipts.poll_seconds)) {
        auto waiting = pipeline_.awaitingReceipts();
        if (waiting && *waiting) {
          last_poll_ = Steady::now();
          report("receipts", pipeline_.pollReceipts());
        }
      }
    });
    runStep("notify", [this] {
      report("notify", notifier_.plan());
      // The notifier logs its delivery failures itself, once per change of error.
      (void)notifier_.deliver();
    });
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
      std::optional<FileState> now = regularFileState(file);
      if (!now) {
        it = candidates_.erase(it);  // removed or renamed before it was read
        continue;
      }
      if (!(*now == it->second.state)) {
        it->second = {*now, Steady::now()};
        ++it;
        continue;
      }
      if (Steady::now() - it->second.stable_since < std::chrono::seconds(config_.stable_seconds) ||
          Steady::now() < it->second.retry_at) {
        ++it;
        continue;
      }
      std::optional<Result<ImportOutcome>> attempted;
      try {
        attempted = pipeline_.importFile(file);
      } catch (const std::exception& e) {
        // A file that breaks the import in an unexpected way, such as a name that the code page
        // of an older Windows cannot represent, is skipped until it changes. The others go on.
        logger("ingest")->error(
            "import stopped by an unexpected error, the file is skipped until it changes "
            "file={} error=\"{}\"",
            utf8FileName(file), e.what());
        handled_[file] = *now;
        it = candidates_.erase(it);
        continue;
      }
      Result<ImportOutcome>& outcome = *attempted;
      report("ingest", outcome.status(), utf8FileName(file));
      if (!outcome) {
        // Kept, and tried again after 1, 2, 4... seconds, at most a minute apart, because a full
        // disk may last and each attempt reads the whole export again. report() logs the error
        // once, and each failed attempt is a debug line.
        Candidate& candidate = it->second;
        candidate.failures = std::min(candidate.failures + 1, 7);
        int delay = std::min(60, 1 << (candidate.failures - 1));
        candidate.retry_at = Steady::now() + std::chrono::seconds(delay);
        logger("ingest")->debug("import failed file={} failures={} next_attempt_in={}s",
                                utf8FileName(file), candidate.failures, delay);
        ++it;
        continue;
      }
      if (*outcome == ImportOutcome::kImported) {
        schedule_->noteImport();
      }
      handled_[file] = *now;
      it = candidates_.erase(it);
    }
  }

  // In after-import mode, a batch follows an import. Leases that `alur-relay resend` put back in
  // the queue come without one, so the queue is looked at every few seconds for them.
  void noticeRequeuedLeases() {
    if (config_.schedule.mode != "after-import" ||
        Steady::now() - last_queue_check_ < kQueueCheckInterval ||
        schedule_->schedule().nextRun().has_value()) {
      return;  // not this mode, checked a moment ago, or a batch is planned already
    }
    last_queue_check_ = Steady::now();
    auto pending = pipeline_.hasPendingLeases();
    report("batch", pending.status(), "queue check");
    if (pending && *pending) {
      schedule_->noteWaitingLeases();
    }
  }

  void buildIfScheduled() {
    auto run = schedule_->due();
    if (!run) {
      return;
    }
    auto built = pipeline_.buildBatch();
    report("batch", built.status());
    if (!built) {
      return;  // tried again at the next tick, with the same trigger
    }
    schedule_->recordRun(*run);
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
    int failures = 0;  // failed imports of this state of the file
    Steady::time_point retry_at{};
  };

  const config::Config& config_;
  Pipeline& pipeline_;
  store::Store& store_;
  notify::Notifier& notifier_;
  Heartbeat& heartbeat_;
  SystemClock clock_;
  std::unique_ptr<schedule::StoredSchedule> schedule_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::map<std::filesystem::path, Candidate> candidates_;
  std::map<std::filesystem::path, FileState> handled_;
  std::map<std::string, std::string> last_errors_;
  Steady::time_point last_rescan_{};
  Steady::time_point last_poll_{};
  Steady::time_point last_queue_check_{};
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

namespace {

// The interval between two updates of the status line that systemd shows.
constexpr std::chrono::seconds kActivityInterval(30);

// Warns when the service cannot write the export folder, as under systemd's
// ProtectSystem=strict when the folder is missing from ReadWritePaths=.
void warnIfExportFolderReadOnly(const std::filesystem::path& folder) {
#ifdef _WIN32
  // _access() on Windows reads the read-only attribute, not the access rights, so it cannot
  // tell. The log names an export that stays in the folder when it is quarantined.
  (void)folder;
#else
  if (::access(folder.c_str(), W_OK) == 0) {
    return;
  }
  int error = errno;
  logger("watch")->warn(
      "export folder {} is not writable ({}): an export that cannot be read is copied to "
      "quarantine but stays in the folder. Under systemd, list the folder in ReadWritePaths= "
      "with systemctl edit alur-relay",
      folder.string(), std::strerror(error));
#endif
}

// The parts of the running service that the main loop drives. Everything here is used on the
// main thread, except worker_config, which only the worker thread uses once it runs.
struct RunningService {
  boost::asio::io_context& io;
  ServiceManager& manager;
  config::Config& config;         // the main thread's copy
  config::Config& worker_config;  // the worker thread's copy
  Worker& worker;
  std::atomic<bool>& stopping;        // read by the transfer's progress callback
  status::HttpServer* status_server;  // null when the endpoint is off
  FolderWatcher* watcher;             // null when inotify could not start
  ActivityReporter& activity;
  WatchdogPinger* watchdog;  // null when systemd does not watch the service
  const ConfigLoader& load;  // reads the file for a reload
};

std::string joinedKeys(const std::vector<KeyChange>& changes) {
  std::string keys;
  for (const auto& change : changes) {
    keys += (keys.empty() ? "" : ",") + change.key;
  }
  return keys;
}

// Reads the configuration file again (SIGHUP) and applies the keys that can change at run time:
// on the main thread at once, and on the worker thread between two of its steps. READY=1 does
// not wait for the worker, which may be in a transfer for minutes: systemd would report the
// reload as timed out after TimeoutStartSec=.
void reloadConfiguration(RunningService& running) {
  auto log = logger("service");
  running.manager.reloading();
  log->info("reloading config={}", running.config.source.string());
  auto plan = planReload(running.config, running.load);
  if (!plan) {
    log->error("reload rejected, the service keeps its running configuration error=\"{}\"",
               plan.message());
    running.manager.ready(running.activity.line() + "; last reload rejected, see the log");
    return;
  }
  logReloadPlan(*plan);

  bool level_changed = false;
  bool pattern_changed = false;
  for (const auto& change : plan->applied) {
    level_changed = level_changed || change.key == "service.log_level";
    pattern_changed = pattern_changed || change.key == "export.file_pattern";
  }
  running.config = plan->next;
  if (level_changed) {
    setLogLevel(running.config.log_level);
  }
  if (running.status_server != nullptr) {
    running.status_server->setConfig(running.config);
  }
  log->info("configuration reloaded applied=[{}] needs_restart=[{}]", joinedKeys(plan->applied),
            joinedKeys(plan->needs_restart));
  running.manager.ready(running.activity.line());

  if (plan->applied.empty()) {
    return;
  }
  running.worker.runOnWorkerThread([&running, change = std::move(*plan), pattern_changed] {
    applyReloadable(change.next, change.applied, running.worker_config);
    auto changed = [&change](const std::string& prefix) {
      return std::any_of(change.applied.begin(), change.applied.end(),
                         [&prefix](const KeyChange& c) { return c.key.rfind(prefix, 0) == 0; });
    };
    // The retry delays are read at each failure; the other [schedule] keys shape the schedule.
    if (std::any_of(change.applied.begin(), change.applied.end(), [](const KeyChange& c) {
          return c.key.rfind("schedule.", 0) == 0 && c.key.rfind("schedule.retry_", 0) != 0;
        })) {
      running.worker.reloadSchedule();
    }
    if (changed("email.")) {
      running.worker.reloadEmail();
    }
    if (pattern_changed) {
      running.worker.requestRescan();  // files the old pattern skipped
    }
    logger("service")->info("worker thread uses the reloaded configuration");
  });
}

void waitForReload(RunningService& running, boost::asio::signal_set& signal) {
  signal.async_wait([&running, &signal](const boost::system::error_code& ec, int /*number*/) {
    if (!ec) {
      reloadConfiguration(running);
      waitForReload(running, signal);
    }
  });
}

// Reports readiness once the loop runs, and starts the status line and the watchdog.
void announceReady(RunningService& running) {
  logger("service")->info("ready export_folder={} state_dir={}",
                          running.config.export_folder.string(), running.config.state_dir.string());
  running.manager.ready(running.activity.line());
  running.activity.start();
  if (running.watchdog != nullptr) {
    running.watchdog->start();
  }
}

// Stops what runs on the main loop, and the loop itself. A transfer in progress on the worker
// thread ends at its next progress callback.
void stopMainLoop(RunningService& running, const std::string& cause) {
  running.stopping = true;
  running.manager.stopping();
  logger("service")->info("stopping {}", cause);
  running.activity.stop();
  if (running.watchdog != nullptr) {
    running.watchdog->stop();
  }
  if (running.watcher != nullptr) {
    running.watcher->stop();
  }
  if (running.status_server != nullptr) {
    running.status_server->stop();
  }
  running.io.stop();
}

// Records facts for `alur-relay status`, which reads them from the database.
void recordStartFacts(store::Store& store, const lease::PostalTable& postal_table) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{
                                       "started_at", formatUtc(std::chrono::system_clock::now())},
                                   {"pid", std::to_string(processId())},
                                   {"version", ALUR_VERSION},
                                   {"postal_table_edition", postal_table.edition()}}) {
    if (Status recorded = store.setMeta(key, value); !recorded) {
      logger("service")->warn("error=\"{}\"", recorded.message());
    }
  }
}

// Reports to the hooks of a service manager that drives the process itself (the Windows service
// control manager), which shows no reload state, status line or watchdog.
class HookedManager : public ServiceManager {
 public:
  explicit HookedManager(const RunHooks& hooks) : hooks_(hooks) {}
  void ready(const std::string& /*status*/) override {
    if (!announced_ && hooks_.ready) {
      hooks_.ready();
    }
    announced_ = true;
  }
  void reloading() override {}
  void stopping() override {
    if (hooks_.stopping) {
      hooks_.stopping();
    }
  }
  void status(const std::string& /*text*/) override {}
  std::optional<std::chrono::microseconds> watchdogPeriod() const override { return std::nullopt; }
  void watchdogPing() override {}

 private:
  const RunHooks& hooks_;
  bool announced_ = false;
};

}  // namespace

int runService(const config::Config& config, const RunHooks& hooks) {
  if (!hooks.ready && !hooks.stopping) {
    return runService(config, *makePlatformManager(), hooks);
  }
  HookedManager manager(hooks);
  return runService(config, manager, hooks);
}

int runService(const config::Config& initial, ServiceManager& manager, const RunHooks& hooks) {
  auto log = logger("service");
  log->info("starting version={} config={} pid={}", ALUR_VERSION, initial.source.string(),
            processId());
  manager.status("starting");

  // Registered first, so that a signal during start-up waits for the loop instead of ending the
  // process with the default action.
  boost::asio::io_context io;
  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  boost::asio::signal_set reload_signal(io);
#ifdef SIGHUP
  reload_signal.add(SIGHUP);
#endif

  auto profile = ingest::loadProfile(initial.profile);
  if (!profile) {
    log->critical("profile error=\"{}\"", profile.message());
    return config::kExitConfig;
  }
  auto postal_table = lease::PostalTable::load(initial.postal_table);
  if (!postal_table) {
    log->critical("postal table error=\"{}\"", postal_table.message());
    return config::kExitConfig;
  }
  log->info("postal table loaded edition=\"{}\"", postal_table->edition());
  auto lock = lockStateFolder(initial.state_dir);
  if (!lock) {
    log->critical("error=\"{}\"", lock.message());
    return 1;
  }
  auto store = store::Store::open(initial.databasePath());
  if (!store) {
    log->critical("database error=\"{}\"", store.message());
    return 1;
  }
  recordStartFacts(**store, *postal_table);

  // One copy of the configuration per thread, so that a reload writes each on its own thread.
  config::Config config = initial;
  config::Config worker_config = initial;
  Heartbeat heartbeat;
  std::atomic<bool> stopping{false};
  SystemClock clock;
  // Each libcurl progress callback stamps the heartbeat: a transfer that waits on the network
  // stays alive for the watchdog, because libcurl's own timeouts bound the wait
  // (connect_timeout_seconds, transfer_timeout_seconds), and it ends when the service stops.
  Pipeline pipeline(
      worker_config, **store, *profile, *postal_table,
      [&] {
        return transport::makeFtpsTransport(worker_config.ftps, [&] {
          heartbeat.beat();
          return !stopping.load();
        });
      },
      clock);
  // Like a transfer, a mail being sent beats the heartbeat and ends when the service stops.
  notify::Notifier notifier(worker_config, **store, clock, [&] {
    return notify::makeSmtpMailer(worker_config.email, [&] {
      heartbeat.beat();
      return !stopping.load();
    });
  });
  Worker worker(worker_config, pipeline, **store, notifier, heartbeat);

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
  warnIfExportFolderReadOnly(config.export_folder);

  ActivityReporter activity(io, manager, config, kActivityInterval);
  std::optional<WatchdogPinger> watchdog;
  if (auto period = manager.watchdogPeriod()) {
    watchdog.emplace(io, manager, heartbeat, *period);
  }

  RunningService running{io,
                         manager,
                         config,
                         worker_config,
                         worker,
                         stopping,
                         status_server.get(),
                         watcher ? watcher->get() : nullptr,
                         activity,
                         watchdog ? &*watchdog : nullptr,
                         hooks.load};
  waitForReload(running, reload_signal);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (!ec) {
      reload_signal.cancel();
      stopMainLoop(running, "signal=" + std::to_string(signal_number));
    }
  });
  // The requests post to `io`, which ends with this function, so they are taken back on every
  // way out of it, an exception included.
  struct TakeBackRequests {
    const RunHooks& hooks;
    ~TakeBackRequests() {
      if (hooks.expose_stop) {
        hooks.expose_stop(nullptr);
      }
      if (hooks.expose_reload) {
        hooks.expose_reload(nullptr);
      }
    }
  } take_back{hooks};
  if (hooks.expose_stop) {
    hooks.expose_stop([&io, &running, &reload_signal] {
      boost::asio::post(io, [&running, &reload_signal] {
        reload_signal.cancel();
        stopMainLoop(running, "request=stop");
      });
    });
  }
  if (hooks.expose_reload) {
    hooks.expose_reload([&io, &running] {
      boost::asio::post(io, [&running] {
        if (!running.stopping) {
          reloadConfiguration(running);
        }
      });
    });
  }

  worker.start();
  // Posted, so that READY=1 leaves once the loop runs and the status endpoint replies.
  boost::asio::post(io, [&running] { announceReady(running); });
  io.run();
  stopping = true;
  // A second SIGINT or SIGTERM while the worker finishes its step (an upload may take minutes)
  // ends the process at once with the signal's default action. That is safe, because each step
  // survives a kill (docs/crash-safety.md).
  boost::system::error_code ignored;
  stop_signals.clear(ignored);
  worker.stop();
  log->info("stopped");
  return 0;
}

}  // namespace alur::service
