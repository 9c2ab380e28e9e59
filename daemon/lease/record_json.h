// Storage form of a lease record and its findings: JSON, read back when a batch is built.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "lease/issue.h"
#include "lease/record.h"

namespace alur::lease {

std::string recordToJson(const LeaseRecord& record);
Result<LeaseRecord> recordFromJson(const std::string& json);

std::string issuesToJson(const std::vector<Issue>& issues);
std::vector<Issue> issuesFromJson(const std::string& json);

}  // namespace alur::lease
