#include "schedule/schedule.h"

#include <cstdio>
#include <ctime>
#include <vector>

#include "common/clock.h"

namespace alur::schedule {
namespace {

using SystemTime = std::chrono::system_clock::time_point;

// Eight days cover a schedule that runs on one weekday only, plus a DST change.
constexpr std::chrono::minutes kSearchHorizon{8 * 24 * 60};

std::string twoDigits(int value) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d", value);
  return text;
}

std::string timeOfDay(int minute) { return twoDigits(minute / 60) + ":" + twoDigits(minute % 60); }

// Lists the enabled days from Monday to Sunday, joining runs of three or more days as a range.
std::string describeDays(const std::array<bool, 7>& weekdays) {
  static const char* const kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::vector<int> order = {1, 2, 3, 4, 5, 6, 0};
  std::string text;
  for (std::size_t i = 0; i < order.size();) {
    if (!weekdays[order[i]]) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end + 1 < order.size() && weekdays[order[end + 1]]) {
      ++end;
    }
    text += text.empty() ? "" : ",";
    if (end - i >= 2) {
      text += std::string(kNames[order[i]]) + "-" + kNames[order[end]];
    } else {
      for (std::size_t j = i; j <= end; ++j) {
        text += std::string(j == i ? "" : ",") + kNames[order[j]];
      }
    }
    i = end + 1;
  }
  return text;
}

}  // namespace

std::string Slot::text() const {
  return std::to_string(year) + "-" + twoDigits(month) + "-" + twoDigits(day) + "T" +
         timeOfDay(minute);
}

std::optional<Slot> Slot::parse(const std::string& text) {
  Slot slot;
  int hour = 0;
  int minute = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &slot.year, &slot.month, &slot.day, &hour,
                  &minute, &consumed) != 5 ||
      consumed != static_cast<int>(text.size())) {
    return std::nullopt;
  }
  if (slot.month < 1 || slot.month > 12 || slot.day < 1 || slot.day > 31 || hour > 23 ||
      minute > 59 || hour < 0 || minute < 0) {
    return std::nullopt;
  }
  slot.minute = hour * 60 + minute;
  return slot;
}

std::string LastRun::text() const { return slot.text() + " " + formatUtc(at); }

std::optional<LastRun> LastRun::parse(const std::string& text) {
  auto space = text.find(' ');
  if (space == std::string::npos) {
    return std::nullopt;
  }
  auto slot = Slot::parse(text.substr(0, space));
  std::string at = text.substr(space + 1);
  if (!slot || formatUtc(parseUtc(at)) != at) {
    return std::nullopt;
  }
  return LastRun{*slot, parseUtc(at)};
}

Schedule::Schedule(const config::ScheduleSettings& settings, const Clock& clock,
                   std::optional<LastRun> last_run)
    : settings_(settings),
      clock_(clock),
      last_run_(std::move(last_run)),
      last_import_(clock.steadyNow()) {}

std::optional<Slot> Schedule::openSlot(SystemTime time) const {
  if (settings_.mode != "daily" && settings_.mode != "every") {
    return std::nullopt;
  }
  std::tm local = localParts(std::chrono::system_clock::to_time_t(time));
  if (!settings_.weekdays[local.tm_wday]) {
    return std::nullopt;
  }
  int minute = local.tm_hour * 60 + local.tm_min;
  Slot slot{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, 0};
  if (settings_.mode == "daily") {
    slot.minute = settings_.daily_hour * 60 + settings_.daily_minute;
    if (minute < slot.minute) {
      return std::nullopt;
    }
    return slot;
  }
  const int from = settings_.window_from_minute;
  if (minute < from || minute >= settings_.window_until_minute) {
    return std::nullopt;
  }
  slot.minute = from + (minute - from) / settings_.every_minutes * settings_.every_minutes;
  return slot;
}

std::optional<Run> Schedule::dueAt(SystemTime time) const {
  auto slot = openSlot(time);
  if (!slot) {
    return std::nullopt;
  }
  if (!last_run_ || *slot > last_run_->slot) {
    return Run{slot, time, false};
  }
  if (*slot == last_run_->slot || last_run_->at <= time + kClockSetBackTolerance) {
    return std::nullopt;
  }
  return Run{slot, time, true};
}

std::optional<Run> Schedule::due() const {
  if (settings_.mode == "after-import") {
    auto delay = std::chrono::seconds(settings_.delay_seconds);
    if (import_waiting_ && clock_.steadyNow() - last_import_ >= delay) {
      return Run{std::nullopt, clock_.now(), false};
    }
    return std::nullopt;
  }
  return dueAt(clock_.now());
}

void Schedule::recordRun(const Run& run) {
  if (run.slot) {
    last_run_ = LastRun{*run.slot, run.at};
  } else {
    import_waiting_ = false;
  }
}

void Schedule::noteImport() {
  import_waiting_ = true;
  last_import_ = clock_.steadyNow();
}

void Schedule::noteWaitingLeases() {
  if (!import_waiting_) {
    noteImport();
  }
}

std::optional<SystemTime> Schedule::nextRun() const {
  SystemTime now = clock_.now();
  if (settings_.mode == "after-import") {
    if (!import_waiting_) {
      return std::nullopt;
    }
    auto left = last_import_ + std::chrono::seconds(settings_.delay_seconds) - clock_.steadyNow();
    return left > left.zero() ? now + std::chrono::duration_cast<SystemTime::duration>(left) : now;
  }
  if (dueAt(now)) {
    return now;
  }
  // Slots start on whole local minutes, and every time zone in use today is a whole number of
  // minutes away from UTC, so a slot opens on a whole UTC minute.
  auto minute = std::chrono::ceil<std::chrono::minutes>(now);
  for (auto end = minute + kSearchHorizon; minute <= end; minute += std::chrono::minutes(1)) {
    if (dueAt(minute)) {
      return SystemTime(minute);
    }
  }
  return std::nullopt;
}

std::string describe(const config::ScheduleSettings& settings) {
  if (settings.mode == "after-import") {
    return std::to_string(settings.delay_seconds) + " s after each export that brings leases";
  }
  std::string text;
  if (settings.mode == "daily") {
    text = "daily at " + timeOfDay(settings.daily_hour * 60 + settings.daily_minute);
  } else {
    text = "every " + std::to_string(settings.every_minutes) + " minutes from " +
           timeOfDay(settings.window_from_minute) + " until " +
           timeOfDay(settings.window_until_minute);
  }
  text += " local time";
  std::string days = describeDays(settings.weekdays);
  if (days != "mon-sun") {
    text += days.empty() ? ", on no day" : ", on " + days;
  }
  return text;
}

}  // namespace alur::schedule
