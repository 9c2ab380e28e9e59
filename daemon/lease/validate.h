// The rules a lease must meet before it goes into the official file. Every finding carries a
// stable code and a French message naming the dwelling and what the agency should correct.
#pragma once

#include <vector>

#include "lease/construction_period.h"
#include "lease/issue.h"
#include "lease/postal_table.h"
#include "lease/record.h"

namespace alur::lease {

// Checks `record` and fills its derived fields: the INSEE code, and the construction period from
// the completion year, else from the stated band. `today` is the local date, against which
// move-in dates must not lie in the future. Appends findings to `issues`, which may already hold
// the reader's findings for the same lease.
void validate(LeaseRecord& record, const PostalTable& postal_table, const Date& today,
              std::vector<Issue>& issues);

// Validates a lease unless the reader already found it out of scope (a lease that is never
// sent has no defect worth reporting), then classifies it.
Classification validateAndClassify(LeaseRecord& record, const PostalTable& postal_table,
                                   const Date& today, std::vector<Issue>& issues);

}  // namespace alur::lease
