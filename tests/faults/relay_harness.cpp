#include "relay_harness.h"

#include <fstream>
#include <sstream>

#include <sqlite3.h>

#include "support/process.h"
#include "transport/transport.h"

namespace alur::testing {

namespace fs = std::filesystem;

std::string sampleExport(const std::string& id_prefix, int first_row, int rows) {
  std::istringstream in(readFileBytes(fs::path(ALUR_SOURCE_DIR) / "tests/data/export-A-day1.csv"));
  std::string header;
  std::getline(in, header);
  std::string out = header + "\n";
  std::string line;
  for (int row = 0; row < first_row + rows && std::getline(in, line); ++row) {
    if (row >= first_row) {
      out += id_prefix + line + "\n";
    }
  }
  return out;
}

std::string queryText(const fs::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

std::string RelayHarness::open(const fs::path& work, const SimulatorInfo& simulator,
                               const RelaySettings& settings, const Clock& clock) {
  fs::create_directories(work / "exports");
  const fs::path config_file = work / "alur-relay.conf";
  {
    std::ofstream out(config_file);
    out << "[service]\nstate_dir = " << (work / "state").string() << "\n"
        << "[export]\nfolder = " << (work / "exports").string() << "\n"
        << "profile = " << ALUR_SOURCE_DIR << "/config/profiles/sample-a.profile\n"
        << "[contributor]\nsiret = 73282932000074\nident_pro = " << settings.ident_pro << "\n"
        << "professional_card = CPI 7501 2016 000 012 345\ncompany_name = Agence du Port\n"
        << "[platform]\nhost = 127.0.0.1\nport = " << settings.port << "\n"
        << "user = " << simulator.user << "\npassword = " << simulator.password << "\n"
        << "ca_file = " << simulator.ca_file << "\nupload_dir = " << simulator.upload_dir << "\n"
        << "return_dir = " << simulator.return_dir << "\n"
        << "rename = " << (settings.rename ? "yes" : "no") << "\n"
        << "connect_timeout_seconds = 5\ntransfer_timeout_seconds = 20\n"
        << "[schedule]\nmode = after-import\nretry_initial_seconds = "
        << settings.retry_initial_seconds << "\nretry_max_seconds = " << settings.retry_max_seconds
        << "\n[status]\nport = 0\n"
        << "[reference]\npostal_table = " << ALUR_SOURCE_DIR << "/data/laposte_hexasmal.csv\n";
  }
  auto config = config::loadConfig(config_file);
  if (!config) {
    return "configuration: " + config.message();
  }
  config_ = *config;
  auto profile = ingest::loadProfile(config_.profile);
  if (!profile) {
    return "profile: " + profile.message();
  }
  profile_ = std::move(*profile);
  auto postal_table = lease::PostalTable::load(config_.postal_table);
  if (!postal_table) {
    return "postal table: " + postal_table.message();
  }
  postal_table_ = std::move(*postal_table);
  auto store = store::Store::open(config_.databasePath());
  if (!store) {
    return "database: " + store.message();
  }
  store_ = std::move(*store);
  pipeline_ = std::make_unique<service::Pipeline>(
      config_, *store_, *profile_, *postal_table_,
      [this] { return transport::makeFtpsTransport(config_.ftps); }, clock);
  return "";
}

std::optional<store::BatchRow> RelayHarness::importAndBuild(const std::string& name,
                                                            const std::string& bytes,
                                                            std::string* error) {
  const fs::path file = config_.export_folder / name;
  std::ofstream(file, std::ios::binary) << bytes;
  auto imported = pipeline_->importFile(file);
  if (!imported) {
    *error = "import: " + imported.message();
    return std::nullopt;
  }
  auto built = pipeline_->buildBatch();
  if (!built) {
    *error = "batch: " + built.message();
    return std::nullopt;
  }
  if (!*built) {
    *error = "no lease was queued from " + name;
    return std::nullopt;
  }
  auto batch = store_->batchByName(query("SELECT file_name FROM batch ORDER BY id DESC LIMIT 1"));
  if (!batch || !*batch) {
    *error = "the new batch is not in the database";
    return std::nullopt;
  }
  return **batch;
}

std::string RelayHarness::batchBytes(const store::BatchRow& batch) {
  auto bytes = store_->batchBytes(batch.id);
  return bytes ? *bytes : std::string();
}

}  // namespace alur::testing
