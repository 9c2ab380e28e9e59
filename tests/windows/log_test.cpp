// The Event Log sink (common/event_log_sink.h) and its place in the logging set-up.
#include "common/log.h"

#include <gtest/gtest.h>

#include "common/event_log_sink.h"

namespace alur {
namespace {

TEST(EventLogSinkTest, LevelsMapToEntryTypes) {
  EXPECT_EQ(eventType(spdlog::level::critical), EVENTLOG_ERROR_TYPE);
  EXPECT_EQ(eventType(spdlog::level::err), EVENTLOG_ERROR_TYPE);
  EXPECT_EQ(eventType(spdlog::level::warn), EVENTLOG_WARNING_TYPE);
  EXPECT_EQ(eventType(spdlog::level::info), EVENTLOG_INFORMATION_TYPE);
}

TEST(EventLogSinkTest, ReportsEntries) {
  auto sink = std::make_shared<EventLogSink>(L"alur-relay-test");
  spdlog::logger log("upload", sink);
  log.error("batch={} attempt={} error=\"{}\"", "2024_X_001.CSV", 3,
            "connexion refus\xc3\xa9"
            "e");
  log.warn("retrying");
  EXPECT_EQ(sink->failures(), 0u);
}

TEST(EventLogSinkTest, LoggingSetUpAddsWarningSink) {
  LogSettings settings;
  settings.event_log = true;
  setUpLogging(settings);
  auto sinks = logger("watch")->sinks();
  int event_log_sinks = 0;
  for (const auto& sink : sinks) {
    if (std::dynamic_pointer_cast<EventLogSink>(sink)) {
      ++event_log_sinks;
      EXPECT_EQ(sink->level(), spdlog::level::warn);
    }
  }
  EXPECT_EQ(event_log_sinks, 1);
  setUpLogging({});
  for (const auto& sink : logger("watch")->sinks()) {
    EXPECT_EQ(std::dynamic_pointer_cast<EventLogSink>(sink), nullptr);
  }
}

}  // namespace
}  // namespace alur
