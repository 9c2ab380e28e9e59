// `alur-relay resend BATCH`: puts one named batch back to work once an operator fixed the cause
// of its failure. It prints what the batch went through and what will happen, and asks for
// confirmation on a terminal unless --yes is given. It changes the batch in one transaction,
// only if the batch did not change since it was shown. It works whether the service runs or not.
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.h"

namespace alur::service {

struct ResendRequest {
  std::string batch_name;    // the file name, e.g. 2027_AGENCE_003.CSV; ".CSV" may be left out
  bool assume_yes = false;   // --yes: no confirmation
  bool interactive = false;  // standard input is a terminal
};

// Exit code of resendBatch when confirmation is needed but standard input is not a terminal.
constexpr int kExitUsage = 64;

// Runs the command and returns its exit code. The code is 0 when the batch was put back to work
// or had nothing to do, and 1 when it cannot be resent or the database failed. It is kExitUsage
// when confirmation was needed but standard input is not a terminal.
int resendBatch(const config::Config& config, const ResendRequest& request, std::istream& in,
                std::ostream& out, std::ostream& err);

}  // namespace alur::service
