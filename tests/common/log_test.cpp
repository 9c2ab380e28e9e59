#include "common/log.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/process.h"

namespace alur {
namespace {

namespace fs = std::filesystem;

TEST(LogTest, RotatesFileAtConfiguredSize) {
  fs::path folder = testing::makeTempFolder("alur-log-");
  fs::path file = folder / "alur-relay.log";
  setUpLogging({"info", file.string(), 4096, 2, false});
  auto log = logger("rotation");
  for (int i = 0; i < 200; ++i) {
    log->info("line={} text=\"{}\"", i, std::string(60, 'x'));
  }
  log->flush();

  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(fs::exists(folder / "alur-relay.1.log"));
  EXPECT_TRUE(fs::exists(folder / "alur-relay.2.log"));
  EXPECT_FALSE(fs::exists(folder / "alur-relay.3.log"));
  EXPECT_LE(fs::file_size(file), 4096u);
  std::string text = testing::readFileBytes(file);
  EXPECT_NE(text.find(" info [rotation] line=199"), std::string::npos) << text;

  setUpLogging({"info", "", 4096, 2, false});
  fs::remove_all(folder);
}

}  // namespace
}  // namespace alur
