#include "ingest/profile.h"

#include <fstream>

#include <gtest/gtest.h>

#include "support/process.h"

namespace alur::ingest {
namespace {

namespace fs = std::filesystem;

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override { folder_ = testing::makeTempFolder("alur-profile-"); }
  void TearDown() override { fs::remove_all(folder_); }

  // Writes the sample-a profile with `replace` substituted for `find`.
  fs::path variant(const std::string& find, const std::string& replace) {
    std::string text =
        testing::readFileBytes(fs::path(ALUR_SOURCE_DIR) / "config/profiles/sample-a.profile");
    auto pos = text.find(find);
    EXPECT_NE(pos, std::string::npos) << find;
    text.replace(pos, find.size(), replace);
    fs::path path = folder_ / "variant.profile";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  fs::path folder_;
};

TEST_F(ProfileTest, LoadsSampleProfile) {
  auto profile = loadProfile(fs::path(ALUR_SOURCE_DIR) / "config/profiles/sample-a.profile");
  ASSERT_TRUE(profile.ok()) << profile.message();
  EXPECT_EQ(profile->name, "sample-a");
  EXPECT_EQ(profile->csv.separator, ';');
  EXPECT_EQ(profile->csv.encoding, Encoding::kWindows1252);
  EXPECT_EQ(profile->decimal_separator, ',');
  ASSERT_NE(profile->sourceOf(Field::kDwellingId), nullptr);
  EXPECT_EQ(profile->sourceOf(Field::kDwellingId)->column, "Réf lot");
  EXPECT_EQ(profile->value_maps.at("lease_kind").codes.at("MEUBLE"), "furnished");
}

TEST_F(ProfileTest, RejectsUnknownKeyNamingTheLine) {
  auto profile = loadProfile(variant("separator = ;", "separatr = ;"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.message().find("line 11"), std::string::npos) << profile.message();
  EXPECT_NE(profile.message().find("separatr"), std::string::npos);
}

TEST_F(ProfileTest, RejectsValueMappedToNoCode) {
  auto profile = loadProfile(variant("Meublé = furnished", "Meublé = meuble"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.message().find("not a code of lease_kind"), std::string::npos)
      << profile.message();
}

TEST_F(ProfileTest, RejectsUnknownCanonicalField) {
  auto profile = loadProfile(variant("rooms = Nb pièces", "room_count = Nb pièces"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.message().find("unknown field 'room_count'"), std::string::npos);
}

TEST_F(ProfileTest, RejectsMissingMandatoryMapping) {
  auto profile = loadProfile(variant("rent = Loyer HC\n", ""));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.message().find("does not map rent"), std::string::npos) << profile.message();
}

TEST_F(ProfileTest, RejectsUnknownEncoding) {
  auto profile = loadProfile(variant("encoding = windows-1252", "encoding = ebcdic"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.message().find("ebcdic"), std::string::npos);
}

}  // namespace
}  // namespace alur::ingest
