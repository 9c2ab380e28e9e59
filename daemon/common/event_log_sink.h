// An spdlog sink that writes to the Windows Event Log (Application log) under the source that
// `alur-relay service install` or the MSI registers. Windows only.
#pragma once

#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

#include <windows.h>

namespace alur {

// The event source's name, and the event id of every entry. The message file (the executable's
// message table, daemon/platform/windows/messages.mc) maps this id to "%1", so the Event Viewer
// shows the logged line as it is.
inline constexpr const wchar_t* kEventSource = L"alur-relay";
inline constexpr DWORD kEventIdMessage = 1000;

class EventLogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit EventLogSink(const std::wstring& source);
  ~EventLogSink() override;
  EventLogSink(const EventLogSink&) = delete;
  EventLogSink& operator=(const EventLogSink&) = delete;

  // Entries that ReportEventW refused since the sink was made. Logging goes on without them.
  std::size_t failures() const { return failures_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override {}

 private:
  HANDLE source_ = nullptr;
  std::size_t failures_ = 0;
};

// Maps an spdlog level to the Event Log's entry type.
WORD eventType(spdlog::level::level_enum level);

}  // namespace alur
