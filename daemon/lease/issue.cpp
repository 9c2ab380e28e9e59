#include "lease/issue.h"

namespace alur::lease {

Classification classify(const std::vector<Issue>& issues) {
  bool has_error = false;
  for (const auto& issue : issues) {
    if (issue.severity == Severity::kOutOfScope) {
      return Classification::kOutOfScope;
    }
    has_error = has_error || issue.severity == Severity::kError;
  }
  return has_error ? Classification::kInvalid : Classification::kValid;
}

const char* severityName(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kOutOfScope:
      return "out_of_scope";
  }
  return "error";
}

const char* classificationName(Classification classification) {
  switch (classification) {
    case Classification::kValid:
      return "valid";
    case Classification::kInvalid:
      return "invalid";
    case Classification::kOutOfScope:
      return "out_of_scope";
  }
  return "invalid";
}

}  // namespace alur::lease
