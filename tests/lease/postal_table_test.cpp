#include "lease/postal_table.h"

#include <gtest/gtest.h>

namespace alur::lease {
namespace {

class PostalTableTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static Result<PostalTable> loaded =
        PostalTable::load(std::string(ALUR_SOURCE_DIR) + "/data/laposte_hexasmal.csv");
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    table_ = &loaded.value();
  }

  static PostalTable* table_;
};

PostalTable* PostalTableTest::table_ = nullptr;

TEST_F(PostalTableTest, LoadsEveryLine) { EXPECT_EQ(table_->size(), 39192u); }

TEST_F(PostalTableTest, NamesTheLoadedEdition) {
  EXPECT_NE(table_->edition().find("laposte_hexasmal.csv (39192 lines"), std::string::npos);
}

TEST_F(PostalTableTest, MapsParisArrondissementToItsInseeCode) {
  EXPECT_EQ(table_->findInsee("75004", "Paris"), "75104");
  EXPECT_EQ(table_->findInsee("75018", "PARIS 18"), "75118");
}

TEST_F(PostalTableTest, ReadsArrondissementWithOrdinal) {
  EXPECT_EQ(table_->findInsee("69003", "Lyon 3e"), "69383");
  EXPECT_EQ(table_->findInsee("75015", "Paris 15ème"), "75115");
  EXPECT_EQ(table_->findInsee("13008", "Marseille 8e"), "13208");
  EXPECT_EQ(table_->findInsee("75001", "Paris 1er"), "75101");
}

TEST_F(PostalTableTest, MapsLyonAndMarseilleArrondissements) {
  EXPECT_EQ(table_->findInsee("69003", "Lyon"), "69383");
  EXPECT_EQ(table_->findInsee("13008", "Marseille"), "13208");
}

TEST_F(PostalTableTest, ComparesNamesWithoutCaseAccentsOrHyphens) {
  EXPECT_EQ(table_->findInsee("13100", "Aix-en-Provence"), "13001");
  EXPECT_EQ(table_->findInsee("92100", "boulogne billancourt"), "92012");
}

TEST_F(PostalTableTest, ReadsSaintAsSt) {
  EXPECT_EQ(table_->findInsee("02100", "Saint-Quentin"), "02691");
  EXPECT_EQ(table_->findInsee("02100", "St Quentin"), "02691");
}

TEST_F(PostalTableTest, KeepsCorsicanInseeCodes) {
  EXPECT_EQ(table_->findInsee("20000", "Ajaccio"), "2A004");
}

TEST_F(PostalTableTest, RejectsCommuneOfAnotherPostalCode) {
  EXPECT_EQ(table_->findInsee("75004", "Marseille"), "");
}

TEST_F(PostalTableTest, ListsCommunesOfPostalCode) {
  auto names = table_->communesOf("06000");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], "NICE");
}

TEST(PostalTableLoadTest, RejectsFileWithoutHeader) {
  auto loaded =
      PostalTable::load(std::string(ALUR_SOURCE_DIR) + "/config/profiles/sample-a.profile");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace alur::lease
