// The rules a lease must meet before it goes into the official file. Every finding carries a
// stable code and a French message naming the dwelling and what the agency should correct.
#pragma once

#include <vector>

#include "lease/issue.h"
#include "lease/postal_table.h"
#include "lease/record.h"

namespace alur::lease {

// Maps a completion year to the official construction period (1 before 1919, 2 1919–1945,
// 4 1946–1970, 5 1971–1990, 6 1991–2005, 7 after 2005).
int constructionPeriodOfYear(int year);

// Checks `record` and fills its derived fields (INSEE code, construction period). `today` is
// the local date, against which move-in dates must not lie in the future. Appends findings to
// `issues`, which may already hold the reader's findings for the same lease.
void validate(LeaseRecord& record, const PostalTable& postal_table, const Date& today,
              std::vector<Issue>& issues);

// Validates a lease unless the reader already found it out of scope (a lease that is never
// sent has no defect worth reporting), then classifies it.
Classification validateAndClassify(LeaseRecord& record, const PostalTable& postal_table,
                                   const Date& today, std::vector<Issue>& issues);

}  // namespace alur::lease
