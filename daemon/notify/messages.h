// The French text of each e-mail the service sends to the agency and to its sysadmin.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "status/status_facts.h"
#include "store/outbox.h"

namespace alur::notify {

struct MailText {
  std::string subject;
  std::string body;
};

// The sender identity, for the signature and the subjects.
struct Sender {
  std::string company;  // contributor.company_name
  std::string siret;
  std::string host;  // the machine the service runs on
  std::string version;
  std::string status_url;  // the status page, when the endpoint is on; else empty
};

MailText certificateMail(const Sender& sender, const store::BatchEvent& batch, int integrated,
                         int rejected, const std::string& attachment_name);

// The leases that a report refused, with their addresses and the platform's reasons.
MailText rejectedLeasesMail(const Sender& sender, const store::BatchEvent& batch,
                            const std::vector<store::RejectedLine>& rejected);

// The leases that the export gives without the data the law requires, so never sent: `listed`
// of them, out of `total`.
MailText invalidLeasesMail(const Sender& sender, const std::vector<status::LeaseToCorrect>& listed,
                           int total);

MailText batchRejectedMail(const Sender& sender, const store::BatchEvent& batch);

MailText uploadFailingMail(const Sender& sender, const store::UploadOutage& outage);

MailText uploadRecoveredMail(const Sender& sender, const std::string& failing_since,
                             std::chrono::system_clock::time_point now);

// `day` is the local date the summary is for, e.g. "15/01/2027".
MailText summaryMail(const Sender& sender, const status::StatusFacts& facts, bool weekly,
                     const std::string& day);

MailText testMail(const Sender& sender, const std::vector<std::string>& to,
                  const std::vector<std::string>& alerts_to);

// "04/12/2026 à 17:40", in local time, from an ISO 8601 UTC time.
std::string frenchTime(const std::string& iso_utc);

// "12 bis rue de la Paix, 69003 LYON 3E ARRONDISSEMENT" from a stored lease record.
std::string addressOf(const std::string& record_json);

}  // namespace alur::notify
