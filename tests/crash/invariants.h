// The promises of the service that must hold after any crash, checked on what the service left
// behind: the database, its state folder, the server's upload folder and vsftpd's transfer log.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crash/relay_harness.h"

namespace alur::testing {

class InvariantChecker {
 public:
  enum LogRule { kNoErrors, kErrorsExpected };

  // With kErrorsExpected, error lines in the log are not a violation.
  explicit InvariantChecker(RelayHarness& relay, LogRule log_rule = kNoErrors)
      : relay_(relay), log_rule_(log_rule) {}

  // Checks the service's files while it is stopped, and compares them with the previous call:
  //   - PRAGMA integrity_check returns "ok";
  //   - no lease, imported file or batch disappeared, no batch changed its name or hash, and no
  //     state went backwards unless the lease's fingerprint changed;
  //   - lease states agree with the states of their batches, and no lease is queued again
  //     with the fingerprint its last batch already carries;
  //   - every file on the server is a batch that the database records as started, with its
  //     bytes, and no two server files have the same bytes;
  //   - xferlog has at most one completed upload per batch;
  //   - the log has no error line, unless constructed with kErrorsExpected.
  // Returns one text per broken promise; empty when all hold.
  std::vector<std::string> checkAfterCrash();

  // Checks that everything reached its end. Every batch is certified with its three receipts,
  // and no lease waits. Each lease is in the state that `expected_states` maps its dwelling id
  // to ("integrated", "invalid" or "out_of_scope"). The server has exactly the batches, each
  // uploaded once, and the outbox is empty.
  std::vector<std::string> checkDelivered(
      const std::map<std::string, std::string>& expected_states);

 private:
  void checkDatabase(std::vector<std::string>& violations);
  void checkHistory(std::vector<std::string>& violations);
  void checkServer(std::vector<std::string>& violations);
  void checkLocalFiles(std::vector<std::string>& violations);

  RelayHarness& relay_;
  LogRule log_rule_;
  // What the previous check saw: per dwelling id its fingerprint and state, per batch id its
  // name, hash and state.
  std::map<std::string, std::pair<std::string, std::string>> leases_;
  std::map<std::string, std::vector<std::string>> batches_;
  int imports_ = 0;
};

// Returns, per dwelling id, the state the service must give it once every export in `exports`
// (each with its .truth.json beside it) was imported in that order.
std::map<std::string, std::string> expectedStates(
    const std::vector<std::filesystem::path>& exports);

}  // namespace alur::testing
