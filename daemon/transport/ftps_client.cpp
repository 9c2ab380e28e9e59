#include "transport/ftps_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <utility>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "common/log.h"
#include "common/test_pause.h"

namespace alur::transport {
namespace {

// True when both files can be read and hold the same bytes.
bool sameBytes(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::ifstream left(a, std::ios::binary);
  std::ifstream right(b, std::ios::binary);
  if (!left || !right) {
    return false;
  }
  return std::equal(std::istreambuf_iterator<char>(left), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(right), std::istreambuf_iterator<char>());
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
  if (code == CURLE_SSL_CONNECT_ERROR) {
    return isTlsMismatch(curl_error) ? Outcome::kPermanent : Outcome::kTransient;
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

FtpsClient::FtpsClient(FtpsSettings settings)
    : settings_(std::move(settings)), easy_(makeCurlEasy()) {}

std::unique_ptr<Transport> makeFtpsTransport(const FtpsSettings& settings) {
  return std::make_unique<FtpsClient>(settings);
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
    return compareWithExisting(local_file, local_size, remote_dir, final_name, *existing.size);
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
      TransferResult compared = holdsSameBytes(local_file, remote_dir, temp_name, &transferred);
      if (!compared.ok()) {
        return compared;
      }
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
      return renamed;
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

// Skips an upload whose final file is already there with the same bytes, and never overwrites
// one with other bytes, because the platform may already have processed it. Equal sizes are
// not enough: a restored database can number a new batch like an old one of the same size.
TransferResult FtpsClient::compareWithExisting(const std::filesystem::path& local_file,
                                               std::int64_t local_size,
                                               const std::string& remote_dir,
                                               const std::string& final_name,
                                               std::int64_t remote_size) {
  const std::string final_path = joinRemotePath(remote_dir, final_name);
  if (remote_size == local_size) {
    bool same = false;
    TransferResult compared = holdsSameBytes(local_file, remote_dir, final_name, &same);
    if (!compared.ok()) {
      return compared;
    }
    if (same) {
      logger()->info("{} is already on {} with the same bytes ({}), upload skipped", final_path,
                     endpoint(), local_size);
      return {};
    }
  }
  return makeResult(
      Outcome::kPermanent,
      fmt::format("upload of {} failed: {} already exists on {} with other content ({} bytes, "
                  "local {} bytes). It is not overwritten because the platform may have "
                  "processed it: check the batch numbering (a restored database numbers batches "
                  "again from 001), then have the remote file removed or set "
                  "contributor.ident_pro apart",
                  local_file.string(), final_path, endpoint(), remote_size, local_size));
}

// Downloads `remote_dir/name` beside `local_file` (suffix ".remote") and sets `*same` to whether
// the bytes are equal. The copy is removed.
TransferResult FtpsClient::holdsSameBytes(const std::filesystem::path& local_file,
                                          const std::string& remote_dir, const std::string& name,
                                          bool* same) {
  std::filesystem::path copy = local_file;
  copy += ".remote";
  TransferResult fetched = download(remote_dir, name, copy);
  if (!fetched.ok()) {
    return fetched;
  }
  *same = sameBytes(local_file, copy);
  std::error_code ignored;
  std::filesystem::remove(copy, ignored);
  return {};
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
  // NOTE: TLS 1.2 exactly. With TLS 1.3, libcurl 7.88 opens the second data connection on a
  // reused control connection without resuming the control channel's session, and vsftpd 3.0.3
  // with require_ssl_reuse=YES rejects it with "522 SSL connection failed: session reuse
  // required". ReusesOneControlConnection in ftps_client_test.cpp fails without this cap.
  // Upstream report: https://github.com/curl/curl/issues/4654
  set(CURLOPT_SSLVERSION,
      static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  // Collects the server's certificate chain, for the expiry date that the status reports.
  set(CURLOPT_CERTINFO, 1L);
  if (!settings_.ca_file.empty()) {
    // Trusts only the configured CAs: without this, libcurl also trusts its default CA
    // directory (/etc/ssl/certs on Debian).
    set(CURLOPT_CAINFO, settings_.ca_file.c_str());
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
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
    std::string text(line.substr(kExpireDate.size()));
    std::tm expiry{};
    if (strptime(text.c_str(), "%b %d %H:%M:%S %Y", &expiry) != nullptr) {
      certificate_expiry_ = std::chrono::system_clock::from_time_t(timegm(&expiry));
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
  return makeResult(outcome, std::move(message), reply.ftp_code);
}

TransferResult FtpsClient::setupFailure(CURLcode code) const {
  return makeResult(Outcome::kPermanent, fmt::format("libcurl setup for {} failed: {}", endpoint(),
                                                     curl_easy_strerror(code)));
}

}  // namespace alur::transport
