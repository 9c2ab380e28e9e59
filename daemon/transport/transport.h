// The connection to the collection platform, behind an interface so that tests can inject
// faults that a real server cannot produce on demand.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace alur::transport {

// How a failed operation should be handled. The transport classifies; the queue owns the
// retry policy.
enum class Outcome {
  kOk,
  kTransient,  // worth retrying later: connection refused or reset, timeout, 421, 425, 426, 45x
  kPermanent,  // retrying will not help: login refused, permission denied, certificate invalid
};

struct TransferResult {
  Outcome outcome = Outcome::kOk;
  std::string message;  // what failed, for logs and the status; empty when kOk
  long ftp_code = 0;    // last FTP reply code when known, else 0
  // The transport library's code for the failure (libcurl's CURLcode), 0 when none. Together
  // with `outcome` and `ftp_code` it identifies the cause without the file names and timings
  // that `message` contains, so that a lasting failure is reported once.
  int error_code = 0;

  bool ok() const { return outcome == Outcome::kOk; }
};

struct FtpsSettings {
  std::string host = "127.0.0.1";
  int port = 21;
  std::string user;
  std::string password;
  std::string ca_file;        // PEM bundle that verifies the server; empty: the system store
  bool implicit_tls = false;  // false: explicit TLS (AUTH TLS) on the control port
  long connect_timeout_seconds = 30;
  long transfer_timeout_seconds = 600;
  // true: upload under a temporary name, then rename. false, for servers that cannot rename:
  // upload under the final name, then compare the remote size and bytes with the local file.
  // The platform may then see a partial file under its final name while the transfer runs.
  bool rename_after_upload = true;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Uploads `local_file` to `remote_dir/final_name`. The bytes go to `final_name + temp_suffix`
  // first; only when the remote size of that temporary file equals the local size is it renamed
  // to `final_name`, and the final file's size is checked again. When `final_name` already
  // exists with the same bytes, the upload is skipped and reported as kOk, so replaying an
  // upload after a crash never leaves the batch under a second name. When the temporary file
  // already contains the same bytes, it is renamed without sending them again. Without
  // FtpsSettings::rename_after_upload the bytes go to `final_name` directly and are read back.
  virtual TransferResult upload(const std::filesystem::path& local_file,
                                const std::string& remote_dir, const std::string& final_name,
                                const std::string& temp_suffix) = 0;

  // Lists the plain file names in `remote_dir` (no paths, no "." or "..").
  virtual TransferResult list(const std::string& remote_dir, std::vector<std::string>* names) = 0;

  // Downloads `remote_dir/name` into `local_file`, replacing it.
  virtual TransferResult download(const std::string& remote_dir, const std::string& name,
                                  const std::filesystem::path& local_file) = 0;

  // Returns the expiry time of the server certificate seen by the last successful operation,
  // or std::nullopt when none was seen.
  virtual std::optional<std::chrono::system_clock::time_point> serverCertificateExpiry() const {
    return std::nullopt;
  }
};

// Called on the transferring thread about once a second while a request runs, even while no
// byte moves, and more often while bytes move. Returning false aborts the request, which then
// fails as kTransient. The service returns false when it stops.
using ProgressCallback = std::function<bool()>;

// Returns the libcurl FTPS implementation: TLS always required on control and data channels,
// server certificate and host name always verified, passive mode, TLS session reuse.
std::unique_ptr<Transport> makeFtpsTransport(const FtpsSettings& settings,
                                             ProgressCallback on_progress = {});

}  // namespace alur::transport
