// Reloading the configuration: a file changed on disk, compared with the running configuration
// by planReload, as the service does on SIGHUP.
#include "service/reload.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "common/log.h"
#include "support/process.h"

namespace alur::service {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> keysOf(const std::vector<KeyChange>& changes) {
  std::vector<std::string> keys;
  for (const auto& change : changes) {
    keys.push_back(change.key);
  }
  return keys;
}

class ReloadPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::makeTempFolder("alur-reload-");
    ASSERT_FALSE(folder_.empty());
    fs::create_directories(folder_ / "exports");
    fs::create_directories(folder_ / "other-exports");
  }

  void TearDown() override { fs::remove_all(folder_); }

  // A valid file; `extra` is appended and may open a section again. The password and the
  // postal table are written only when `extra` does not set them.
  void write(const std::string& extra = "") {
    std::ofstream out(folder_ / "alur-relay.conf", std::ios::trunc);
    out << "[service]\nstate_dir = " << (folder_ / "state").string() << "\n"
        << "[export]\nprofile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "[contributor]\nsiret = 73282932000074\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nuser = agence\n";
    if (extra.find("password =") == std::string::npos) {
      out << "password = secret\n";
    }
    if (extra.find("postal_table =") == std::string::npos) {
      out << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n";
    }
    out << extra;
  }

  // Writes the file with the export folder and `extra`, and loads it as the service does at
  // start.
  config::Config running(const std::string& extra = "") {
    write("[export]\nfolder = exports\n" + extra);
    auto loaded = config::loadConfig(folder_ / "alur-relay.conf");
    EXPECT_TRUE(loaded.ok()) << loaded.message();
    return loaded.ok() ? *loaded : config::Config{};
  }

  Result<ReloadPlan> reload(const config::Config& current, const std::string& extra) {
    write("[export]\nfolder = exports\n" + extra);
    return planReload(current);
  }

  fs::path folder_;
};

TEST_F(ReloadPlanTest, UnchangedFileAppliesNothing) {
  config::Config current = running();
  auto plan = reload(current, "");
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_TRUE(plan->applied.empty());
  EXPECT_TRUE(plan->needs_restart.empty());
  EXPECT_EQ(plan->next.settings, current.settings);
}

TEST_F(ReloadPlanTest, AppliesReloadableKeys) {
  config::Config current = running();
  auto plan = reload(current,
                     "[schedule]\ndaily_at = 03:15\n[platform]\npassword = rotated\n"
                     "[service]\nlog_level = debug\n[status]\nhealth_window_minutes = 30\n");
  ASSERT_TRUE(plan.ok()) << plan.message();

  EXPECT_EQ(keysOf(plan->applied),
            (std::vector<std::string>{"platform.password", "schedule.daily_at", "service.log_level",
                                      "status.health_window_minutes"}));
  EXPECT_TRUE(plan->needs_restart.empty());
  EXPECT_EQ(plan->next.schedule.daily_hour, 3);
  EXPECT_EQ(plan->next.schedule.daily_minute, 15);
  EXPECT_EQ(plan->next.ftps.password, "rotated");
  EXPECT_EQ(plan->next.log_level, "debug");
  EXPECT_EQ(plan->next.status.health_window_minutes, 30);
  EXPECT_EQ(plan->next.settings.at("schedule.daily_at"), "03:15");
  EXPECT_EQ(current.schedule.daily_hour, 2) << "the running configuration changed";
}

TEST_F(ReloadPlanTest, KeepsKeysThatNeedRestart) {
  config::Config current = running();
  auto plan = reload(current,
                     "[contributor]\nident_pro = AGENCE2\n[status]\nport = 9999\n"
                     "[receipts]\npoll_seconds = 60\n");
  ASSERT_TRUE(plan.ok()) << plan.message();

  EXPECT_EQ(keysOf(plan->applied), (std::vector<std::string>{"receipts.poll_seconds"}));
  ASSERT_EQ(keysOf(plan->needs_restart),
            (std::vector<std::string>{"contributor.ident_pro", "status.port"}));
  EXPECT_EQ(plan->needs_restart[1].before, "8470");
  EXPECT_EQ(plan->needs_restart[1].after, "9999");
  EXPECT_EQ(plan->next.status.port, 8470);
  EXPECT_EQ(plan->next.contributor.ident_pro, "73282932000074");
  EXPECT_EQ(plan->next.settings.at("status.port"), "8470");
  EXPECT_EQ(plan->next.receipts.poll_seconds, 60);
}

TEST_F(ReloadPlanTest, ChangedFolderNeedsRestart) {
  config::Config current = running();
  write("[export]\nfolder = other-exports\n");
  auto plan = planReload(current);
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_EQ(keysOf(plan->needs_restart), (std::vector<std::string>{"export.folder"}));
  EXPECT_EQ(plan->next.export_folder, folder_ / "exports");
}

// The Windows service reads the file through its own loader, which decrypts the stored secrets
// into the settings: a secret whose file changed is then a changed key.
TEST_F(ReloadPlanTest, UsesTheGivenLoader) {
  config::Config current = running();
  write("[export]\nfolder = exports\n");
  int calls = 0;
  ConfigLoader decrypting = [&calls](const fs::path& file) -> Result<config::Config> {
    ++calls;
    auto loaded = config::loadConfig(file);
    if (loaded) {
      loaded->ftps.password = "stored-after-rotation";
      loaded->settings["platform.password"] = "stored-after-rotation";
    }
    return loaded;
  };
  auto plan = planReload(current, decrypting);
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(keysOf(plan->applied), (std::vector<std::string>{"platform.password"}));
  EXPECT_EQ(plan->next.ftps.password, "stored-after-rotation");
}

// A key that goes back to its default changes as well.
TEST_F(ReloadPlanTest, RemovedKeyTakesDefault) {
  config::Config current = running("[export]\nstable_seconds = 3\n");
  auto plan = reload(current, "");
  ASSERT_TRUE(plan.ok()) << plan.message();
  ASSERT_EQ(keysOf(plan->applied), (std::vector<std::string>{"export.stable_seconds"}));
  EXPECT_EQ(plan->applied[0].before, "3");
  EXPECT_EQ(plan->applied[0].after, "10");
  EXPECT_EQ(plan->next.stable_seconds, 10);
}

// The loader raises retry_max_seconds to retry_initial_seconds, so a change of one moves both.
TEST_F(ReloadPlanTest, RetryDelaysMoveTogether) {
  config::Config current = running();
  auto plan = reload(current, "[schedule]\nretry_initial_seconds = 7200\n");
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_EQ(plan->next.schedule.retry_initial_seconds, 7200);
  EXPECT_EQ(plan->next.schedule.retry_max_seconds, 7200);
}

TEST_F(ReloadPlanTest, RejectsFileThatNoLongerChecks) {
  config::Config current = running();
  auto plan = reload(current, "[schedule]\nmode = weekly\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.message().find("schedule.mode = weekly is invalid"), std::string::npos)
      << plan.message();
}

TEST_F(ReloadPlanTest, RejectsUnreadablePostalTable) {
  config::Config current = running();
  fs::path table = folder_ / "table.csv";
  std::ofstream(table) << "not a postal table\n";
  auto plan = reload(current, "[reference]\npostal_table = " + table.string() + "\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.message().find("table.csv"), std::string::npos) << plan.message();
}

TEST_F(ReloadPlanTest, LogHidesSecretValues) {
  config::Config current = running();
  auto plan = reload(current, "[platform]\npassword = rotated-secret\n[status]\nport = 9999\n");
  ASSERT_TRUE(plan.ok()) << plan.message();

  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  logger("service")->sinks().push_back(sink);
  logReloadPlan(*plan);
  logger("service")->sinks().pop_back();

  EXPECT_NE(out.str().find("reload applies platform.password (changed)"), std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().find("rotated-secret"), std::string::npos);
  EXPECT_EQ(out.str().find("= secret"), std::string::npos);
  EXPECT_NE(out.str().find("status.port = 9999 needs a restart; the service keeps 8470"),
            std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace alur::service
