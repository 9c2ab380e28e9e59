// Reads every file of tests/ingest/corpus through its profile and checks the outcome that
// corpus/README.md documents for it.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/export_reader.h"
#include "lease/validate.h"

namespace alur::ingest {
namespace {

namespace fs = std::filesystem;

struct CorpusCase {
  const char* file;
  const char* profile;
  const char* error;       // part of the message when the file is rejected as a whole, else ""
  int leases;              // leases read when the file is readable
  const char* issue_code;  // a finding expected on the first lease, or ""
};

std::ostream& operator<<(std::ostream& out, const CorpusCase& c) { return out << c.file; }

const lease::PostalTable& postalTable() {
  static const Result<lease::PostalTable> table =
      lease::PostalTable::load(fs::path(ALUR_SOURCE_DIR) / "data/laposte_hexasmal.csv");
  return table.value();
}

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, GivesDocumentedOutcome) {
  const CorpusCase& c = GetParam();
  auto profile = loadProfile(fs::path(ALUR_SOURCE_DIR) / "config/profiles" /
                             (std::string(c.profile) + ".profile"));
  ASSERT_TRUE(profile.ok()) << profile.message();
  std::vector<ExportRow> rows;
  Status read = readExport(
      fs::path(ALUR_SOURCE_DIR) / "tests/ingest/corpus" / c.file, *profile, [&](ExportRow&& row) {
        lease::validateAndClassify(row.record, postalTable(), lease::Date{2026, 12, 4}, row.issues);
        rows.push_back(std::move(row));
        return Status::Ok();
      });
  if (std::string(c.error).empty()) {
    ASSERT_TRUE(read.ok()) << read.message();
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(c.leases));
  } else {
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.message().find(c.error), std::string::npos) << read.message();
    EXPECT_NE(read.message().find(c.file), std::string::npos) << read.message();
    return;
  }
  if (std::string(c.issue_code).empty()) {
    for (const auto& row : rows) {
      EXPECT_EQ(lease::classify(row.issues), lease::Classification::kValid)
          << row.record.dwelling_id << ": " << row.issues.front().message;
    }
    return;
  }
  const auto& issues = rows.front().issues;
  EXPECT_TRUE(std::any_of(issues.begin(), issues.end(),
                          [&](const lease::Issue& i) { return i.code == c.issue_code; }));
  EXPECT_EQ(lease::classify(issues), lease::Classification::kInvalid);
}

INSTANTIATE_TEST_SUITE_P(
    Files, CorpusTest,
    ::testing::Values(
        CorpusCase{"empty.csv", "sample-a", "the file is empty", 0, ""},
        CorpusCase{"header-only.csv", "sample-a", "no lease", 0, ""},
        CorpusCase{"wrong-separator.csv", "sample-a", "single column", 0, ""},
        CorpusCase{"missing-column.csv", "sample-a", "column \"Loyer HC\"", 0, ""},
        CorpusCase{"undecodable-byte.csv", "sample-a", "0x81", 0, ""},
        CorpusCase{"unterminated-quote.csv", "sample-a", "line 2", 0, ""},
        CorpusCase{"postal-code-lost-zero.csv", "sample-a", "", 1, "postal_code_leading_zero_lost"},
        CorpusCase{"date-as-serial-number.csv", "sample-a", "", 1, "move_in_date_invalid"},
        CorpusCase{"id-in-e-notation.csv", "sample-a", "", 1, "dwelling_id_scientific_notation"},
        CorpusCase{"quirks-valid.csv", "sample-a", "", 3, ""},
        CorpusCase{"malformed.xml", "sample-c", "line 5", 0, ""},
        CorpusCase{"truncated.xml", "sample-c", "the file ends before the document", 0, ""},
        CorpusCase{"windows-1252.xml", "sample-c", "", 1, ""}),
    [](const ::testing::TestParamInfo<CorpusCase>& param_info) {
      std::string name = param_info.param.file;
      std::replace_if(
          name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
      return name;
    });

}  // namespace
}  // namespace alur::ingest
