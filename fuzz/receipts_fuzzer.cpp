// Feeds the input, without its first byte, to parseAcknowledgement and parseReport
// (daemon/receipts/receipts.h), the readers of the acknowledgement and of the integration report
// that the platform returns for each uploaded file. The first byte selects the report separator:
// ';', ',', tab or '|'.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "receipts/receipts.h"

namespace {

constexpr char kSeparators[] = {';', ',', '\t', '|'};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  auto acknowledgement = alur::receipts::parseAcknowledgement(bytes);
  (void)acknowledgement;

  alur::config::ReceiptSettings settings;
  settings.report_separator = kSeparators[data[0] & 0x3];
  auto report = alur::receipts::parseReport(bytes, settings);
  (void)report;
  return 0;
}
