// Fills a status database through store::Store, as the service would: imported leases, a
// certified batch with its archived certificate, and a batch whose upload failed permanently.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "store/store.h"

namespace alur::testing {

inline const std::string kFillSiret = "73282932000074";

inline lease::LeaseRecord fillLease(const std::string& id) {
  lease::LeaseRecord r;
  r.dwelling_id = id;
  r.address = {"1", "", "RUE", "des Lilas", "", "69003", "Lyon", "69383"};
  r.rooms = 2;
  r.surface_centi_m2 = 4500;
  r.rent = 50000;
  return r;
}

inline void importLeases(store::Store& store,
                         const std::vector<std::pair<std::string, lease::Classification>>& leases,
                         const std::vector<lease::Issue>& issues, const std::string& path) {
  ASSERT_TRUE(store.beginImport().ok());
  for (const auto& [id, classification] : leases) {
    auto issues_of_lease =
        classification == lease::Classification::kValid ? std::vector<lease::Issue>{} : issues;
    ASSERT_TRUE(store.importLease(kFillSiret, fillLease(id), issues_of_lease, classification).ok());
  }
  store::ImportSummary summary;
  summary.path = path;
  summary.sha256 = "sha-" + path + std::to_string(leases.size());
  summary.rows = static_cast<int>(leases.size());
  ASSERT_TRUE(store.commitImport(summary).ok());
}

inline std::optional<store::BatchRow> buildFillBatch(store::Store& store, int sequence_hint) {
  auto built = store.buildBatch(
      kFillSiret, 2027, lease::Date{2027, 1, 15},
      [sequence_hint](int year, int sequence) {
        return std::to_string(year) + "_" + kFillSiret + "_00" +
               std::to_string(sequence + sequence_hint) + ".CSV";
      },
      [](int count) { return "2027;" + kFillSiret + ";" + std::to_string(count) + ";"; },
      [](const lease::LeaseRecord& r, const std::optional<lease::Date>&) {
        return r.dwelling_id + ";";
      },
      "\r\n");
  return built.ok() ? *built : std::nullopt;
}

// Takes `batch` through upload, acknowledgement, report and certificate; writes a small PDF at
// `certificate`.
inline void certify(store::Store& store, const store::BatchRow& batch,
                    const std::vector<store::ReportLine>& report,
                    const std::filesystem::path& certificate) {
  const std::string now = "2027-01-15T10:00:00Z";
  std::filesystem::create_directories(certificate.parent_path());
  std::ofstream(certificate, std::ios::binary) << "%PDF-1.4\n%%EOF\n";
  ASSERT_TRUE(store.markUploading(batch.id, now).ok());
  ASSERT_TRUE(store.markUploaded(batch.id, now).ok());
  ASSERT_TRUE(store.recordReceipt(batch.id, "acknowledgement", "ack", "ack", "sha", now).ok());
  ASSERT_TRUE(store.markAcknowledged(batch.id, now).ok());
  ASSERT_TRUE(store.applyReport(batch.id, report, now).ok());
  ASSERT_TRUE(store.recordCertificate(batch.id, certificate.string(), now).ok());
}

}  // namespace alur::testing
