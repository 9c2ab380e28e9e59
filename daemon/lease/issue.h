// Why a lease cannot be sent, or should be looked at: one finding of the validator.
#pragma once

#include <string>
#include <vector>

namespace alur::lease {

enum class Severity {
  kError,       // the lease is not sent until the agency corrects it
  kWarning,     // the lease is sent, and the agency is asked to check the value
  kOutOfScope,  // the law does not ask for this lease (parking, commercial, seasonal...)
};

struct Issue {
  std::string code;  // stable identifier for machines, e.g. "address_incomplete"
  Severity severity = Severity::kError;
  std::string field;    // canonical field name, e.g. "postal_code"
  std::string value;    // the value as read from the export
  std::string message;  // French sentence for the agency: what is wrong and what to do
};

enum class Classification { kValid, kInvalid, kOutOfScope };

// Out of scope wins over errors: a parking lease with no surface is still never sent.
Classification classify(const std::vector<Issue>& issues);

const char* severityName(Severity severity);
const char* classificationName(Classification classification);

}  // namespace alur::lease
