#include "common/event_log_sink.h"

#include "common/win32.h"

namespace alur {

EventLogSink::EventLogSink(const std::wstring& source)
    : source_(::RegisterEventSourceW(nullptr, source.c_str())) {
  // The time and level are fields of the entry itself.
  set_pattern("[%n] %v");
}

EventLogSink::~EventLogSink() {
  if (source_ != nullptr) {
    ::DeregisterEventSource(source_);
  }
}

WORD eventType(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
    case spdlog::level::err:
      return EVENTLOG_ERROR_TYPE;
    case spdlog::level::warn:
      return EVENTLOG_WARNING_TYPE;
    default:
      return EVENTLOG_INFORMATION_TYPE;
  }
}

void EventLogSink::sink_it_(const spdlog::details::log_msg& message) {
  if (source_ == nullptr) {
    ++failures_;
    return;
  }
  spdlog::memory_buf_t formatted;
  formatter_->format(message, formatted);
  std::wstring text = win32::widen(std::string_view(formatted.data(), formatted.size()));
  while (!text.empty() && (text.back() == L'\n' || text.back() == L'\r')) {
    text.pop_back();
  }
  const wchar_t* strings[] = {text.c_str()};
  if (!::ReportEventW(source_, eventType(message.level), 0, kEventIdMessage, nullptr, 1, 0, strings,
                      nullptr)) {
    ++failures_;
  }
}

}  // namespace alur
