// The service's pipeline in the test process: the real configuration reader, SQLite database,
// profile, postal table and FTPS client, driven by a ManualClock instead of the run loop.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "ingest/profile.h"
#include "lease/postal_table.h"
#include "service/pipeline.h"
#include "store/store.h"
#include "support/manual_clock.h"
#include "support/simulator.h"

namespace alur::testing {

struct RelaySettings {
  std::string ident_pro;  // makes the batch file names of one test differ from the others'
  int port = 0;           // the FTPS port: the simulator's, a proxy's or a closed one
  bool rename = true;     // [platform] rename
  int retry_initial_seconds = 60;
  int retry_max_seconds = 3600;
};

// Returns an export of the sample-a profile with `rows` leases of tests/data/export-A-day1.csv,
// from row `first_row` (0-based), each dwelling id prefixed with `id_prefix`.
std::string sampleExport(const std::string& id_prefix, int first_row, int rows);

// Runs a SQL query on the database file, on its own read-only connection, and returns the first
// column of the first row, or an empty string.
std::string queryText(const std::filesystem::path& database, const std::string& sql);

class RelayHarness {
 public:
  // Writes a configuration for `simulator` under `work`, reads it with config::loadConfig and
  // opens the database. Returns an error text, empty on success.
  std::string open(const std::filesystem::path& work, const SimulatorInfo& simulator,
                   const RelaySettings& settings, const Clock& clock);

  // Writes `bytes` into the export folder as `name`, imports it and builds a batch. Returns the
  // batch, or std::nullopt when no lease was queued or a step failed (the error goes to
  // `error`).
  std::optional<store::BatchRow> importAndBuild(const std::string& name, const std::string& bytes,
                                                std::string* error);

  service::Pipeline& pipeline() { return *pipeline_; }
  store::Store& store() { return *store_; }
  const config::Config& config() const { return config_; }
  std::filesystem::path databasePath() const { return config_.databasePath(); }
  std::string query(const std::string& sql) const { return queryText(databasePath(), sql); }
  // Returns the local bytes of a batch, as they were built.
  std::string batchBytes(const store::BatchRow& batch);

 private:
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::optional<ingest::Profile> profile_;
  std::optional<lease::PostalTable> postal_table_;
  std::unique_ptr<service::Pipeline> pipeline_;
};

}  // namespace alur::testing
