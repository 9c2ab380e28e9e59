#include "platform/windows/service_control.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "common/win32.h"

#include <windows.h>

namespace alur::windows {
namespace {

// How long the SCM waits for the next checkpoint of a pending state. The checkpoint moves every
// second, so this only matters when the process hangs.
constexpr DWORD kWaitHintMilliseconds = 10000;

class ServiceRun final : public ServiceContext {
 public:
  ServiceRun(std::wstring name, ServiceBody body) : name_(std::move(name)), body_(std::move(body)) {
    status_.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  }

  ~ServiceRun() override { stopTicker(); }

  const std::wstring& name() const { return name_; }
  int exitCode() const { return exit_code_; }

  // Runs on the thread that the dispatcher starts for the service.
  void main() {
    handle_ = ::RegisterServiceCtrlHandlerExW(name_.c_str(), &ServiceRun::handler, this);
    if (handle_ == nullptr) {
      logger("service")->critical("RegisterServiceCtrlHandlerExW failed: {}",
                                  win32::lastErrorText());
      exit_code_ = 1;
      return;
    }
    setState(SERVICE_START_PENDING);
    ticker_ = std::thread([this] { tick(); });
    try {
      exit_code_ = body_(*this);
    } catch (const std::exception& e) {
      logger("service")->critical("stopped by an unexpected error=\"{}\"", e.what());
      exit_code_ = 1;
    }
    stopTicker();
    setState(SERVICE_STOPPED, exit_code_);
  }

  void reportReady() override { setState(SERVICE_RUNNING); }
  void reportStopping() override { setState(SERVICE_STOP_PENDING); }

  void onStopRequest(std::function<void()> request) override {
    bool requested = false;
    {
      std::lock_guard lock(mutex_);
      stop_request_ = request;
      requested = stop_requested_;
    }
    if (requested && request) {
      request();
    }
  }

  void onReloadRequest(std::function<void()> request) override {
    std::lock_guard lock(mutex_);
    reload_request_ = std::move(request);
    if (status_.dwCurrentState == SERVICE_RUNNING) {
      status_.dwControlsAccepted = acceptedControls(SERVICE_RUNNING);
      report();
    }
  }

 private:
  static DWORD WINAPI handler(DWORD control, DWORD, LPVOID, LPVOID context) {
    return static_cast<ServiceRun*>(context)->control(control);
  }

  DWORD control(DWORD code) {
    if (code == SERVICE_CONTROL_INTERROGATE) {
      return NO_ERROR;
    }
    // The requests are called under the lock, so that once the body has cleared them no call
    // is still under way. They only post to the run loop, which does not block.
    if (code == SERVICE_CONTROL_PARAMCHANGE) {
      std::lock_guard lock(mutex_);
      if (!reload_request_) {
        return ERROR_CALL_NOT_IMPLEMENTED;
      }
      reload_request_();
      return NO_ERROR;
    }
    if (code != SERVICE_CONTROL_STOP && code != SERVICE_CONTROL_SHUTDOWN) {
      return ERROR_CALL_NOT_IMPLEMENTED;
    }
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    if (stop_request_) {
      stop_request_();
    }
    return NO_ERROR;
  }

  void setState(DWORD state, int exit_code = 0) {
    std::lock_guard lock(mutex_);
    bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
    status_.dwCurrentState = state;
    status_.dwControlsAccepted = acceptedControls(state);
    status_.dwWaitHint = pending ? kWaitHintMilliseconds : 0;
    status_.dwCheckPoint = pending ? 1 : 0;
    status_.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
    status_.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
    report();
    changed_.notify_all();
  }

  // Requires mutex_. A running service accepts STOP and SHUTDOWN, and PARAMCHANGE while the
  // body takes reload requests.
  DWORD acceptedControls(DWORD state) const {
    if (state != SERVICE_RUNNING) {
      return 0;
    }
    return SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
           (reload_request_ ? SERVICE_ACCEPT_PARAMCHANGE : 0);
  }

  // Moves the checkpoint of a pending state every second. Runs on its own thread.
  void tick() {
    std::unique_lock lock(mutex_);
    while (!ticker_done_) {
      changed_.wait_for(lock, std::chrono::seconds(1));
      DWORD state = status_.dwCurrentState;
      if (!ticker_done_ && (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING)) {
        ++status_.dwCheckPoint;
        report();
      }
    }
  }

  void stopTicker() {
    {
      std::lock_guard lock(mutex_);
      ticker_done_ = true;
    }
    changed_.notify_all();
    if (ticker_.joinable()) {
      ticker_.join();
    }
  }

  // Requires mutex_.
  void report() {
    if (!::SetServiceStatus(handle_, &status_)) {
      logger("service")->warn("SetServiceStatus failed: {}", win32::lastErrorText());
    }
  }

  std::wstring name_;
  ServiceBody body_;
  SERVICE_STATUS_HANDLE handle_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  SERVICE_STATUS status_{};
  std::function<void()> stop_request_;
  std::function<void()> reload_request_;
  bool stop_requested_ = false;
  bool ticker_done_ = false;
  std::thread ticker_;
  int exit_code_ = 0;
};

// The dispatcher calls ServiceMain without a context pointer; the process runs one service.
ServiceRun* current_run = nullptr;

void WINAPI serviceMain(DWORD, LPWSTR*) { current_run->main(); }

}  // namespace

std::optional<int> runAsService(const std::wstring& name, ServiceBody body) {
  ServiceRun run(name, std::move(body));
  current_run = &run;
  std::wstring table_name = name;
  SERVICE_TABLE_ENTRYW table[] = {{table_name.data(), &serviceMain}, {nullptr, nullptr}};
  BOOL dispatched = ::StartServiceCtrlDispatcherW(table);
  DWORD error = ::GetLastError();
  current_run = nullptr;
  if (dispatched) {
    return run.exitCode();
  }
  if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
    return std::nullopt;
  }
  logger("service")->critical("StartServiceCtrlDispatcherW failed: {}", win32::errorText(error));
  return 1;
}

}  // namespace alur::windows
