#include "transport/ftps_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <locale>
#include <memory>
#include <sstream>
#include <system_error>
#include <utility>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/test_pause.h"

namespace alur::transport {
namespace {

// True when both files can be read and `whole` starts with every byte of `prefix`.
bool startsWithBytes(const std::filesystem::path& whole, const std::filesystem::path& prefix) {
  std::ifstream left(whole, std::ios::binary);
  std::ifstream right(prefix, std::ios::binary);
  if (!left || !right) {
    return false;
  }
  std::istreambuf_iterator<char> left_it(left);
  const std::istreambuf_iterator<char> end;
  for (std::istreambuf_iterator<char> right_it(right); right_it != end; ++right_it, ++left_it) {
    if (left_it == end || *left_it != *right_it) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<spdlog::logger> logger() { return alur::logger("transport"); }

// Returns whether `code` means that the network or the peer dropped the exchange.
bool isNetworkFailure(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_FTP_ACCEPT_TIMEOUT:
      return true;
    default:
      return false;
  }
}

// Returns whether a TLS handshake failed because the peers share no TLS version or cipher, as
// opposed to a connection cut during the handshake. libcurl 7.88 reports both as
// CURLE_SSL_CONNECT_ERROR, with OpenSSL's reason string in the error text for the former.
bool isTlsMismatch(std::string_view curl_error) {
  static constexpr std::array<std::string_view, 8> kMismatchReasons = {
      "wrong version number",    "unsupported protocol",
      "no protocols available",  "alert protocol version",
      "alert handshake failure", "no shared cipher",
      "no ciphers available",    "unsafe legacy renegotiation disabled"};
  return std::any_of(
      kMismatchReasons.begin(), kMismatchReasons.end(),
      [&](std::string_view reason) { return curl_error.find(reason) != std::string_view::npos; });
}

// Returns whether `code` means that the configured CAs cannot verify the server certificate.
bool isTrustFailure(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE;
}

// Returns whether `code`, without a 4yz or 5yz reply, means a server fault that a later attempt
// may not meet, or a local disk that may have free space later.
bool isServerOrDiskHiccup(CURLcode code) {
  switch (code) {
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_WRITE_ERROR:
      return true;
    default:
      return false;
  }
}

TransferResult makeResult(Outcome outcome, std::string message, long ftp_code = 0) {
  TransferResult result;
  result.outcome = outcome;
  result.message = std::move(message);
  result.ftp_code = ftp_code;
  return result;
}

// Returns a short statement of what went wrong, in the operator's words where libcurl's text is
// not enough.
std::string describeReason(CURLcode code, long ftp_code, const std::string& curl_error) {
  if (code == CURLE_LOGIN_DENIED || ftp_code == 530) {
    return "login refused";
  }
  switch (code) {
    case CURLE_USE_SSL_FAILED:
      return "the server refused AUTH TLS, so the connection cannot be encrypted";
    case CURLE_PEER_FAILED_VERIFICATION:
      return "server certificate not trusted: " + curl_error;
    case CURLE_SSL_CACERT_BADFILE:
      return "CA file could not be loaded: " + curl_error;
    case CURLE_SSL_CONNECT_ERROR:
      return "TLS handshake failed: " + curl_error;
    case CURLE_REMOTE_ACCESS_DENIED:
      return "remote directory not accessible: " + curl_error;
    case CURLE_REMOTE_FILE_NOT_FOUND:
      return "remote file not found";
    case CURLE_ABORTED_BY_CALLBACK:
      return "interrupted because the service is stopping";
    default:
      return curl_error;
  }
}

// Returns what the operator should check or do, or an empty string when nothing specific helps.
std::string adviceFor(CURLcode code, long ftp_code, Outcome outcome) {
  if (code == CURLE_LOGIN_DENIED || ftp_code == 530) {
    return "check platform.user and platform.password in the configuration";
  }
  switch (code) {
    case CURLE_USE_SSL_FAILED:
      return "the relay sends credentials only over TLS, so check platform.host and "
             "platform.port, and set platform.tls = implicit when the server expects TLS from the "
             "first byte";
    case CURLE_PEER_FAILED_VERIFICATION:
      return "check that platform.ca_file contains the CA that signed the server certificate "
             "and that platform.host is a name or address listed in that certificate";
    case CURLE_SSL_CACERT_BADFILE:
      return "check that platform.ca_file names a readable PEM file";
    case CURLE_SSL_CONNECT_ERROR:
      if (outcome == Outcome::kPermanent) {
        return "check platform.port and platform.tls (explicit or implicit), and that the "
               "server accepts TLS 1.2";
      }
      return "retry later, and check platform.port and platform.tls if it persists";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "check platform.host in the configuration and the DNS settings";
    case CURLE_COULDNT_CONNECT:
      return "check that the server is running and reachable on this port, then retry later";
    case CURLE_OPERATION_TIMEDOUT:
      return "retry later, and check the network if it persists";
    case CURLE_REMOTE_ACCESS_DENIED:
      return "check that the remote directory exists and that the FTP user may enter it";
    case CURLE_WRITE_ERROR:
      return "check the free space and permissions of the local directory";
    case CURLE_ABORTED_BY_CALLBACK:
      return "the service tries again after its next start";
    default:
      break;
  }
  switch (ftp_code) {
    case 421:
      return "the server is not available now, so retry later";
    case 425:
    case 426:
      return "check that firewalls allow the passive-mode data ports, then retry later";
    case 450:
    case 451:
      return "the server could not process the file now, so retry later";
    case 452:
      return "the server has no storage space left, so retry later";
    case 550:
      return "check that the file exists and that the FTP user has access to it";
    case 522:
      return "the server requires each data connection to resume the TLS session of the control "
             "connection (vsftpd require_ssl_reuse); the relay does so with TLS 1.2, so check "
             "that the server accepts TLS 1.2";
    case 553:
      return "the server refused the file name; check that the FTP user may write to the remote "
             "directory";
    default:
      return "";
  }
}

std::string joinRemotePath(const std::string& remote_dir, const std::string& name) {
  if (remote_dir.empty()) {
    return name;
  }
  std::string path = remote_dir;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (path.empty() || path.back() != '/') {
    path += '/';
  }
  return path + name;
}

std::string percentEncode(const std::string& text) {
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += fmt::format("%{:02X}", byte);
    }
  }
  return encoded;
}

// Returns the URL path for a directory, ending with '/'. An absolute directory starts with %2F
// so that libcurl sends "CWD /depot" instead of a path relative to the login directory
// (RFC 1738, 3.2.2).
std::string encodeDirectory(const std::string& remote_dir) {
  std::string encoded;
  if (!remote_dir.empty() && remote_dir.front() == '/') {
    encoded = "%2F";
  }
  std::size_t start = 0;
  while (start <= remote_dir.size()) {
    std::size_t end = remote_dir.find('/', start);
    if (end == std::string::npos) {
      end = remote_dir.size();
    }
    if (end > start) {
      if (!encoded.empty() && encoded != "%2F") {
        encoded += '/';
      }
      encoded += percentEncode(remote_dir.substr(start, end - start));
    }
    start = end + 1;
  }
  return encoded.empty() ? "" : encoded + "/";
}

// Returns an error when `text` could end an FTP command early, because RNFR and RNTO send names
// unchanged.
std::optional<TransferResult> rejectControlCharacters(std::string_view what,
                                                      const std::string& text) {
  if (text.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos) {
    return std::nullopt;
  }
  return makeResult(Outcome::kPermanent,
                    fmt::format("invalid {}: it must not contain CR, LF or NUL", what));
}

std::optional<TransferResult> validateRemoteName(const std::string& name) {
  if (std::optional<TransferResult> invalid = rejectControlCharacters("remote file name", name)) {
    return invalid;
  }
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return makeResult(Outcome::kPermanent,
                      fmt::format("invalid remote file name \"{}\": it must be a plain file name "
                                  "without '/'",
                                  name));
  }
  return std::nullopt;
}

size_t discardBody(char* /*data*/, size_t size, size_t count, void* /*user_data*/) {
  return size * count;
}

size_t appendToString(char* data, size_t size, size_t count, void* user_data) {
  static_cast<std::string*>(user_data)->append(data, size * count);
  return size * count;
}

// Returning less than the byte count makes libcurl stop with CURLE_WRITE_ERROR.
size_t writeToStream(char* data, size_t size, size_t count, void* user_data) {
  auto* out = static_cast<std::ofstream*>(user_data);
  out->write(data, static_cast<std::streamsize>(size * count));
  return out->good() ? size * count : 0;
}

size_t readFromStream(char* buffer, size_t size, size_t count, void* user_data) {
  auto* in = static_cast<std::ifstream*>(user_data);
  in->read(buffer, static_cast<std::streamsize>(size * count));
  if (in->bad()) {
    return CURL_READFUNC_ABORT;
  }
  return static_cast<size_t>(in->gcount());
}

std::vector<std::string> parseNameList(const std::string& listing) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < listing.size()) {
    std::size_t end = listing.find('\n', start);
    if (end == std::string::npos) {
      end = listing.size();
    }
    std::string line = listing.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const std::size_t slash = line.find_last_of('/');
    if (slash != std::string::npos) {
      line.erase(0, slash + 1);
    }
    if (!line.empty() && line != "." && line != "..") {
      names.push_back(std::move(line));
    }
  }
  return names;
}

}  // namespace

Outcome classify(CURLcode code, long ftp_code, std::string_view curl_error) {
  if (code == CURLE_OK) {
    return Outcome::kOk;
  }
  // The progress callback stopped the request because the service is stopping; the next start
  // tries again.
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return Outcome::kTransient;
  }
  if (code == CURLE_SSL_CONNECT_ERROR) {
    return isTlsMismatch(curl_error) ? Outcome::kPermanent : Outcome::kTransient;
  }
  // 522: the server rejected how the data connection was protected (clear text, or a TLS
  // session that does not resume the control connection's). libcurl reports it as a partial
  // transfer, but no retry changes it.
  if (ftp_code == 522) {
    return Outcome::kPermanent;
  }
  if (isNetworkFailure(code)) {
    return Outcome::kTransient;
  }
  if (isTrustFailure(code)) {
    return Outcome::kPermanent;
  }
  if (ftp_code >= 400 && ftp_code <= 499) {
    return Outcome::kTransient;
  }
  if (ftp_code >= 500 && ftp_code <= 599) {
    return Outcome::kPermanent;
  }
  return isServerOrDiskHiccup(code) ? Outcome::kTransient : Outcome::kPermanent;
}

FtpsClient::FtpsClient(FtpsSettings settings, ProgressCallback on_progress)
    : settings_(std::move(settings)), on_progress_(std::move(on_progress)), easy_(makeCurlEasy()) {}

std::unique_ptr<Transport> makeFtpsTransport(const FtpsSettings& settings,
                                             ProgressCallback on_progress) {
  return std::make_unique<FtpsClient>(settings, std::move(on_progress));
}

TransferResult FtpsClient::upload(const std::filesystem::path& local_file,
                                  const std::string& remote_dir, const std::string& final_name,
                                  const std::string& temp_suffix) {
  const std::string temp_name = final_name + temp_suffix;
  for (const std::string* name : {&final_name, &temp_name}) {
    if (std::optional<TransferResult> invalid = validateRemoteName(*name)) {
      return *invalid;
    }
  }
  if (std::optional<TransferResult> invalid =
          rejectControlCharacters("remote directory", remote_dir)) {
    return *invalid;
  }
  std::error_code error;
  const std::uintmax_t file_size = std::filesystem::file_size(local_file, error);
  if (error) {
    return makeResult(Outcome::kPermanent,
                      fmt::format("upload of {} failed: cannot read its size ({}): check that "
                                  "the file exists and is readable",
                                  local_file.string(), error.message()));
  }
  const auto local_size = static_cast<std::int64_t>(file_size);

  RemoteSize existing = remoteSize(remote_dir, final_name);
  if (!existing.result.ok()) {
    return existing.result;
  }
  if (existing.size.has_value()) {
    Comparison compared =
        compareRemote(local_file, local_size, remote_dir, final_name, *existing.size);
    if (!compared.result.ok()) {
      return compared.result;
    }
    const std::string final_path = joinRemotePath(remote_dir, final_name);
    if (compared.match == RemoteMatch::kSame) {
      logger()->info("{} is already on {} with the same bytes ({}), upload skipped", final_path,
                     endpoint(), local_size);
      return {};
    }
    // Without a rename, an interrupted upload leaves the first bytes under the final name.
    if (compared.match == RemoteMatch::kOther || settings_.rename_after_upload) {
      return otherContent(local_file, local_size, final_path, *existing.size);
    }
    logger()->warn(
        "{} on {} has only the first {} of {} bytes, left by an interrupted upload: "
        "sending the whole file again",
        final_path, endpoint(), *existing.size, local_size);
  }
  if (!settings_.rename_after_upload) {
    return uploadInPlace(local_file, local_size, remote_dir, final_name);
  }
  bool transferred = false;
  if (temp_name != final_name) {
    // A crash between the transfer and the rename leaves the whole file under the temporary
    // name, so it is renamed without sending the bytes a second time.
    RemoteSize partial = remoteSize(remote_dir, temp_name);
    if (!partial.result.ok()) {
      return partial.result;
    }
    if (partial.size == local_size) {
      Comparison compared =
          compareRemote(local_file, local_size, remote_dir, temp_name, local_size);
      if (!compared.result.ok()) {
        return compared.result;
      }
      transferred = compared.match == RemoteMatch::kSame;
    }
    if (transferred) {
      logger()->info("{} is already complete on {}, renamed without sending it again",
                     joinRemotePath(remote_dir, temp_name), endpoint());
    }
  }
  if (!transferred) {
    TransferResult stored = store(local_file, local_size, remote_dir, temp_name);
    if (!stored.ok()) {
      return stored;
    }
  }
  pauseAtTestPoint("upload-transferred");
  if (temp_name != final_name) {
    TransferResult renamed = rename(remote_dir, temp_name, final_name);
    if (!renamed.ok()) {
      return explainRenameFailure(remote_dir, temp_name, final_name, std::move(renamed));
    }
    TransferResult checked =
        checkRemoteSize(local_file, local_size, remote_dir, final_name, "the rename");
    if (!checked.ok()) {
      return checked;
    }
  }
  logger()->info("uploaded {} to {} on {} ({} bytes)", local_file.string(),
                 joinRemotePath(remote_dir, final_name), endpoint(), local_size);
  return {};
}

// Compares `remote_dir/name`, which has `remote_size` bytes, with the local file. Equal sizes are
// not enough: a restored database can number a new batch like an old one of the same size.
FtpsClient::Comparison FtpsClient::compareRemote(const std::filesystem::path& local_file,
                                                 std::int64_t local_size,
                                                 const std::string& remote_dir,
                                                 const std::string& name,
                                                 std::int64_t remote_size) {
  Comparison comparison;
  if (remote_size > local_size) {
    return comparison;
  }
  std::filesystem::path copy = local_file;
  copy += ".remote";
  comparison.result = download(remote_dir, name, copy);
  if (!comparison.result.ok()) {
    return comparison;
  }
  const bool same_prefix = startsWithBytes(local_file, copy);
  std::error_code ignored;
  std::filesystem::remove(copy, ignored);
  if (same_prefix) {
    comparison.match = remote_size == local_size ? RemoteMatch::kSame : RemoteMatch::kPrefix;
  }
  return comparison;
}

// Never overwrites a final file with other bytes, because the platform may have processed it.
TransferResult FtpsClient::otherContent(const std::filesystem::path& local_file,
                                        std::int64_t local_size, const std::string& final_path,
                                        std::int64_t remote_size) const {
  return makeResult(
      Outcome::kPermanent,
      fmt::format("upload of {} failed: {} already exists on {} with other content ({} bytes, "
                  "local {} bytes). It is not overwritten because the platform may have "
                  "processed it: check the batch numbering (a restored database numbers batches "
                  "again from 001), then have the remote file removed or set "
                  "contributor.ident_pro apart",
                  local_file.string(), final_path, endpoint(), remote_size, local_size));
}

// Uploads straight to the final name, for servers that cannot rename, then reads the file back
// and compares it. The platform may read the file while it arrives.
TransferResult FtpsClient::uploadInPlace(const std::filesystem::path& local_file,
                                         std::int64_t local_size, const std::string& remote_dir,
                                         const std::string& final_name) {
  TransferResult stored = store(local_file, local_size, remote_dir, final_name);
  if (!stored.ok()) {
    return stored;
  }
  const std::string final_path = joinRemotePath(remote_dir, final_name);
  Comparison compared = compareRemote(local_file, local_size, remote_dir, final_name, local_size);
  if (!compared.result.ok()) {
    return compared.result;
  }
  if (compared.match != RemoteMatch::kSame) {
    return makeResult(Outcome::kPermanent,
                      fmt::format("upload of {} failed: {} on {} has the right size but other "
                                  "bytes after the transfer: check that the server stores files "
                                  "unchanged (binary mode)",
                                  local_file.string(), final_path, endpoint()));
  }
  logger()->info("uploaded {} to {} on {} ({} bytes, read back and compared, no rename)",
                 local_file.string(), final_path, endpoint(), local_size);
  return {};
}

// Says why a rename was refused, because the fix differs: a file already under the final name
// needs an operator, and a server that cannot rename at all needs platform.rename = no.
TransferResult FtpsClient::explainRenameFailure(const std::string& remote_dir,
                                                const std::string& from, const std::string& to,
                                                TransferResult refused) {
  if (refused.outcome != Outcome::kPermanent) {
    return refused;
  }
  // The temporary file would otherwise stay on the server as a second copy of the batch.
  if (TransferResult removed = remove(remote_dir, from); !removed.ok()) {
    logger()->warn("{}", removed.message);
  }
  std::vector<std::string> names;
  if (!list(remote_dir, &names).ok()) {
    return refused;
  }
  const std::string final_path = joinRemotePath(remote_dir, to);
  if (std::find(names.begin(), names.end(), to) != names.end()) {
    refused.message += fmt::format(
        ". {} already exists on {} and the server does not replace it, so the batch is "
        "not on the server: check the batch numbering (a restored database numbers "
        "batches again from 001), then have the remote {} removed or set "
        "contributor.ident_pro apart",
        final_path, endpoint(), to);
  } else {
    refused.message += fmt::format(
        ". The server refused to rename {} to {} although no file has that name: if it cannot "
        "rename files at all, set platform.rename = no (the platform then sees the file under "
        "its final name while it arrives)",
        from, to);
  }
  return refused;
}

// Sends the file under `name`, then checks that the server stored every byte, because a
// connection cut during the transfer can still end with a 226 reply.
TransferResult FtpsClient::store(const std::filesystem::path& local_file, std::int64_t local_size,
                                 const std::string& remote_dir, const std::string& name) {
  const std::string remote_path = joinRemotePath(remote_dir, name);
  std::ifstream in(local_file, std::ios::binary);
  if (!in) {
    return makeResult(Outcome::kPermanent,
                      fmt::format("upload of {} failed: cannot open it for reading: check its "
                                  "permissions",
                                  local_file.string()));
  }
  logger()->debug("sending {} ({} bytes) to {} on {}", local_file.string(), local_size, remote_path,
                  endpoint());
  if (CURLcode code = prepare(fileUrl(remote_dir, name)); code != CURLE_OK) {
    return setupFailure(code);
  }
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(local_size));
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, readFromStream);
  curl_easy_setopt(easy, CURLOPT_READDATA, &in);
  const Reply reply = perform();
  if (reply.code != CURLE_OK) {
    return failure(fmt::format("upload of {} to {}", local_file.string(), remote_path), reply);
  }
  return checkRemoteSize(local_file, local_size, remote_dir, name, "the transfer");
}

// Returns kOk when `remote_dir/name` has `local_size` bytes, else kTransient, so that the upload
// stops before its next step.
TransferResult FtpsClient::checkRemoteSize(const std::filesystem::path& local_file,
                                           std::int64_t local_size, const std::string& remote_dir,
                                           const std::string& name, std::string_view step) {
  RemoteSize remote = remoteSize(remote_dir, name);
  if (!remote.result.ok() || remote.size == local_size) {
    return remote.result;
  }
  const std::string found =
      remote.size ? fmt::format("has {} bytes", *remote.size) : std::string("is missing");
  return makeResult(Outcome::kTransient,
                    fmt::format("upload of {} failed: after {}, {} on {} {} instead of {} bytes: "
                                "retry later",
                                local_file.string(), step, joinRemotePath(remote_dir, name),
                                endpoint(), found, local_size));
}

// Renames with RNFR and RNTO sent after "CWD remote_dir", so both names are relative to it.
TransferResult FtpsClient::rename(const std::string& remote_dir, const std::string& from,
                                  const std::string& to) {
  CurlStringList commands;
  if (!commands.append("RNFR " + from) || !commands.append("RNTO " + to)) {
    return setupFailure(CURLE_OUT_OF_MEMORY);
  }
  if (CURLcode code = prepare(directoryUrl(remote_dir)); code != CURLE_OK) {
    return setupFailure(code);
  }
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTQUOTE, commands.get());
  const Reply reply = perform();
  if (reply.code != CURLE_OK) {
    return failure(fmt::format("rename of {} to {}", joinRemotePath(remote_dir, from), to), reply);
  }
  return {};
}

// Deletes `remote_dir/name` with DELE sent after "CWD remote_dir".
TransferResult FtpsClient::remove(const std::string& remote_dir, const std::string& name) {
  CurlStringList commands;
  if (!commands.append("DELE " + name)) {
    return setupFailure(CURLE_OUT_OF_MEMORY);
  }
  if (CURLcode code = prepare(directoryUrl(remote_dir)); code != CURLE_OK) {
    return setupFailure(code);
  }
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTQUOTE, commands.get());
  const Reply reply = perform();
  if (reply.code != CURLE_OK) {
    return failure(fmt::format("removal of {}", joinRemotePath(remote_dir, name)), reply);
  }
  return {};
}

// Queries the size with SIZE (RFC 3659). libcurl 7.88 returns CURLE_REMOTE_FILE_NOT_FOUND when
// the server replies 550, which vsftpd does for a missing file.
// NOTE: a server that also replies 550 to SIZE for a file that it refuses to stat makes that
// file look absent, so upload() would rename over it.
FtpsClient::RemoteSize FtpsClient::remoteSize(const std::string& remote_dir,
                                              const std::string& name) {
  RemoteSize remote;
  const std::string remote_path = joinRemotePath(remote_dir, name);
  if (CURLcode code = prepare(fileUrl(remote_dir, name)); code != CURLE_OK) {
    remote.result = setupFailure(code);
    return remote;
  }
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  const Reply reply = perform();
  if (reply.code == CURLE_REMOTE_FILE_NOT_FOUND) {
    return remote;
  }
  if (reply.code != CURLE_OK) {
    remote.result = failure(fmt::format("size query of {}", remote_path), reply);
    return remote;
  }
  curl_off_t length = -1;
  curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (length < 0) {
    remote.result = makeResult(
        Outcome::kPermanent,
        fmt::format("size query of {} failed on {}: the server returned no size, and the "
                    "upload needs the SIZE command (RFC 3659) to check what was stored",
                    remote_path, endpoint()));
    return remote;
  }
  remote.size = static_cast<std::int64_t>(length);
  return remote;
}

TransferResult FtpsClient::list(const std::string& remote_dir, std::vector<std::string>* names) {
  names->clear();
  if (std::optional<TransferResult> invalid =
          rejectControlCharacters("remote directory", remote_dir)) {
    return *invalid;
  }
  if (CURLcode code = prepare(directoryUrl(remote_dir)); code != CURLE_OK) {
    return setupFailure(code);
  }
  std::string listing;
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_DIRLISTONLY, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, appendToString);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &listing);
  const Reply reply = perform();
  if (reply.code != CURLE_OK) {
    return failure(fmt::format("listing of {}", remote_dir), reply);
  }
  *names = parseNameList(listing);
  logger()->debug("listed {} names in {} on {}", names->size(), remote_dir, endpoint());
  return {};
}

TransferResult FtpsClient::download(const std::string& remote_dir, const std::string& name,
                                    const std::filesystem::path& local_file) {
  if (std::optional<TransferResult> invalid = validateRemoteName(name)) {
    return *invalid;
  }
  if (std::optional<TransferResult> invalid =
          rejectControlCharacters("remote directory", remote_dir)) {
    return *invalid;
  }
  std::filesystem::path partial = local_file;
  partial += ".part";
  TransferResult result = retrieve(remote_dir, name, partial);
  std::error_code error;
  if (result.ok()) {
    std::filesystem::rename(partial, local_file, error);
    if (error) {
      result = makeResult(Outcome::kPermanent,
                          fmt::format("download of {} failed: cannot rename {} to {} ({})",
                                      joinRemotePath(remote_dir, name), partial.string(),
                                      local_file.string(), error.message()));
    }
  }
  if (!result.ok()) {
    std::filesystem::remove(partial, error);
    return result;
  }
  logger()->info("downloaded {} from {} to {}", joinRemotePath(remote_dir, name), endpoint(),
                 local_file.string());
  return result;
}

// Writes the remote file into `partial`, which the caller renames or removes.
TransferResult FtpsClient::retrieve(const std::string& remote_dir, const std::string& name,
                                    const std::filesystem::path& partial) {
  const std::string remote_path = joinRemotePath(remote_dir, name);
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    return makeResult(Outcome::kPermanent,
                      fmt::format("download of {} failed: cannot create {}: check that its "
                                  "directory exists and is writable",
                                  remote_path, partial.string()));
  }
  if (CURLcode code = prepare(fileUrl(remote_dir, name)); code != CURLE_OK) {
    return setupFailure(code);
  }
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, writeToStream);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &out);
  const Reply reply = perform();
  if (reply.code != CURLE_OK) {
    return failure(fmt::format("download of {} to {}", remote_path, partial.string()), reply);
  }
  out.close();
  if (out.fail()) {
    return makeResult(Outcome::kTransient,
                      fmt::format("download of {} failed: cannot write {}: check the free space "
                                  "of its file system",
                                  remote_path, partial.string()));
  }
  return {};
}

// Resets the handle and sets the options that every request shares. curl_easy_reset keeps the
// open connection and the TLS session cache, so the next request reuses both when it can.
CURLcode FtpsClient::prepare(const std::string& url) {
  CURL* easy = easy_.get();
  if (easy == nullptr) {
    return CURLE_FAILED_INIT;
  }
  curl_easy_reset(easy);
  error_buffer_[0] = '\0';
  last_server_reply_.clear();

  CURLcode code = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (code == CURLE_OK) {
      code = curl_easy_setopt(easy, option, value);
    }
  };
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "ftp,ftps");
  set(CURLOPT_USERNAME, settings_.user.c_str());
  set(CURLOPT_PASSWORD, settings_.password.c_str());
  // TLS on the control and the data channels, so libcurl fails instead of falling back to clear
  // text.
  set(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  set(CURLOPT_FTPSSLAUTH, static_cast<long>(CURLFTPAUTH_TLS));
  // NOTE: TLS 1.2 exactly. With TLS 1.3, libcurl 7.88.1 resumes the control channel's session on
  // the first data connection, but after one or two uploads on the same control connection a
  // data connection does a full handshake, and vsftpd 3.0.3 with require_ssl_reuse=YES rejects
  // it with "522 SSL connection failed: session reuse required". Tls13UploadsMeet522 in
  // tests/faults/tls_test.cpp shows it and fails once libcurl resumes every time.
  set(CURLOPT_SSLVERSION,
      static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  // Collects the server's certificate chain, for the expiry date that the status reports.
  set(CURLOPT_CERTINFO, 1L);
  if (code == CURLE_OK) {
    code = trustCertificateAuthorities(easy, settings_.ca_file);
  }
  // vsftpd's require_ssl_reuse rejects a data channel that does not resume the control
  // channel's TLS session.
  set(CURLOPT_SSL_SESSIONID_CACHE, 1L);
  // Passive mode: EPSV, then PASV with the address of the control connection, because a server
  // behind NAT often puts its private address in the PASV reply.
  set(CURLOPT_FTP_USE_EPSV, 1L);
  set(CURLOPT_FTP_SKIP_PASV_IP, 1L);
  set(CURLOPT_FTP_FILEMETHOD, static_cast<long>(CURLFTPMETHOD_SINGLECWD));
  set(CURLOPT_CONNECTTIMEOUT, settings_.connect_timeout_seconds);
  set(CURLOPT_SERVER_RESPONSE_TIMEOUT, settings_.transfer_timeout_seconds);
  // Aborts a transfer that moves less than 1 byte/s during the whole transfer timeout.
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, settings_.transfer_timeout_seconds);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ERRORBUFFER, error_buffer_.data());
  set(CURLOPT_HEADERFUNCTION, onHeader);
  set(CURLOPT_HEADERDATA, this);
  // A NOBODY request passes "Content-Length" lines to the write callback, and the default one
  // would print them on stdout.
  set(CURLOPT_WRITEFUNCTION, discardBody);
  if (on_progress_) {
    set(CURLOPT_XFERINFOFUNCTION, onProgress);
    set(CURLOPT_XFERINFODATA, this);
    set(CURLOPT_NOPROGRESS, 0L);
  }
  return code;
}

FtpsClient::Reply FtpsClient::perform() {
  CURL* easy = easy_.get();
  Reply reply;
  reply.code = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.ftp_code);
  reply.curl_error = error_buffer_[0] != '\0' ? std::string(error_buffer_.data())
                                              : std::string(curl_easy_strerror(reply.code));
  while (!reply.curl_error.empty() &&
         std::isspace(static_cast<unsigned char>(reply.curl_error.back()))) {
    reply.curl_error.pop_back();
  }
  reply.server_reply = last_server_reply_;
  if (reply.code == CURLE_OK) {
    readCertificateExpiry();
  }
  return reply;
}

// Reads the expiry of the server certificate from libcurl's certificate chain information,
// which a transfer that made a TLS handshake fills ("Expire date:Jan  3 16:05:00 2027 GMT").
// A transfer on a reused connection reports none, so the last value seen is kept.
void FtpsClient::readCertificateExpiry() {
  struct curl_certinfo* chain = nullptr;
  if (curl_easy_getinfo(easy_.get(), CURLINFO_CERTINFO, &chain) != CURLE_OK || chain == nullptr ||
      chain->num_of_certs < 1) {
    return;
  }
  constexpr std::string_view kExpireDate = "Expire date:";
  for (curl_slist* item = chain->certinfo[0]; item != nullptr; item = item->next) {
    std::string_view line(item->data);
    if (line.substr(0, kExpireDate.size()) != kExpireDate) {
      continue;
    }
    // OpenSSL's form, in UTC: "Jan  3 19:59:46 2027 GMT".
    std::istringstream text{std::string(line.substr(kExpireDate.size()))};
    text.imbue(std::locale::classic());
    std::tm expiry{};
    text >> std::get_time(&expiry, " %b %d %H:%M:%S %Y");
    if (!text.fail()) {
      certificate_expiry_ = timePointOf(fromUtcParts(expiry));
    }
    return;
  }
}

// Keeps the last FTP reply line. libcurl passes every server reply to the header callback.
size_t FtpsClient::onHeader(char* data, size_t size, size_t count, void* user_data) {
  const size_t length = size * count;
  std::string line(data, length);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
    line.pop_back();
  }
  const bool is_reply = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                        std::isdigit(static_cast<unsigned char>(line[1])) &&
                        std::isdigit(static_cast<unsigned char>(line[2]));
  if (is_reply) {
    static_cast<FtpsClient*>(user_data)->last_server_reply_ = std::move(line);
  }
  return length;
}

// Returns non-zero, which makes libcurl abort with CURLE_ABORTED_BY_CALLBACK, when the callback
// returns false.
int FtpsClient::onProgress(void* user_data, curl_off_t /*download_total*/,
                           curl_off_t /*downloaded*/, curl_off_t /*upload_total*/,
                           curl_off_t /*uploaded*/) {
  return static_cast<FtpsClient*>(user_data)->on_progress_() ? 0 : 1;
}

std::string FtpsClient::directoryUrl(const std::string& remote_dir) const {
  const std::string scheme = settings_.implicit_tls ? "ftps" : "ftp";
  const bool is_ipv6 = settings_.host.find(':') != std::string::npos;
  const std::string host = is_ipv6 ? "[" + settings_.host + "]" : settings_.host;
  return fmt::format("{}://{}:{}/{}", scheme, host, settings_.port, encodeDirectory(remote_dir));
}

std::string FtpsClient::fileUrl(const std::string& remote_dir, const std::string& name) const {
  return directoryUrl(remote_dir) + percentEncode(name);
}

std::string FtpsClient::endpoint() const {
  return fmt::format("{}:{}", settings_.host, settings_.port);
}

TransferResult FtpsClient::failure(std::string_view action, const Reply& reply) const {
  const Outcome outcome = classify(reply.code, reply.ftp_code, reply.curl_error);
  std::string message = fmt::format("{} failed on {}: {} (curl code {}", action, endpoint(),
                                    describeReason(reply.code, reply.ftp_code, reply.curl_error),
                                    static_cast<int>(reply.code));
  if (reply.ftp_code >= 400 && !reply.server_reply.empty()) {
    message += fmt::format(", server reply \"{}\"", reply.server_reply);
  }
  message += ')';
  const std::string advice = adviceFor(reply.code, reply.ftp_code, outcome);
  if (!advice.empty()) {
    message += ": " + advice;
  }
  logger()->debug("{}", message);
  TransferResult result = makeResult(outcome, std::move(message), reply.ftp_code);
  result.error_code = static_cast<int>(reply.code);
  return result;
}

TransferResult FtpsClient::setupFailure(CURLcode code) const {
  return makeResult(Outcome::kPermanent, fmt::format("libcurl setup for {} failed: {}", endpoint(),
                                                     curl_easy_strerror(code)));
}

}  // namespace alur::transport
