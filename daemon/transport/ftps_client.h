// The libcurl implementation of Transport: FTP over TLS (RFC 4217), passive mode.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "transport/curl_handle.h"
#include "transport/transport.h"

namespace alur::transport {

// Classifies the result of one libcurl request. `ftp_code` is the last FTP reply code
// (CURLINFO_RESPONSE_CODE), 0 when none was received. Network failures and interrupted TLS
// handshakes are transient whatever the last reply was. Certificate and CA file errors are
// permanent. Otherwise a 4yz reply is transient and a 5yz reply permanent (RFC 959, 4.2.1), and
// the remaining libcurl codes are classified by what they mean. `curl_error` is libcurl's error
// text (CURLOPT_ERRORBUFFER). It is read only for CURLE_SSL_CONNECT_ERROR, which libcurl returns
// both for an interrupted handshake and for a TLS version or cipher mismatch that no retry fixes.
Outcome classify(CURLcode code, long ftp_code, std::string_view curl_error = {});

// One FTPS control connection, reused across operations while the server keeps it open. libcurl
// opens a new one when the server has closed it. An FtpsClient is not thread-safe, so use one
// per thread.
class FtpsClient final : public Transport {
 public:
  explicit FtpsClient(FtpsSettings settings);

  TransferResult upload(const std::filesystem::path& local_file, const std::string& remote_dir,
                        const std::string& final_name, const std::string& temp_suffix) override;
  TransferResult list(const std::string& remote_dir, std::vector<std::string>* names) override;
  TransferResult download(const std::string& remote_dir, const std::string& name,
                          const std::filesystem::path& local_file) override;
  std::optional<std::chrono::system_clock::time_point> serverCertificateExpiry() const override {
    return certificate_expiry_;
  }

 private:
  // The outcome of one curl_easy_perform.
  struct Reply {
    CURLcode code = CURLE_OK;
    long ftp_code = 0;
    std::string curl_error;    // CURLOPT_ERRORBUFFER, or curl_easy_strerror when empty
    std::string server_reply;  // last FTP reply line from the server, without CRLF
  };

  // The size of a remote file. `size` is std::nullopt when the file does not exist or when
  // `result` reports a failure.
  struct RemoteSize {
    TransferResult result;
    std::optional<std::int64_t> size;
  };

  CURLcode prepare(const std::string& url);
  Reply perform();
  RemoteSize remoteSize(const std::string& remote_dir, const std::string& name);
  TransferResult compareWithExisting(const std::filesystem::path& local_file,
                                     std::int64_t local_size, const std::string& remote_dir,
                                     const std::string& final_name, std::int64_t remote_size);
  TransferResult holdsSameBytes(const std::filesystem::path& local_file,
                                const std::string& remote_dir, const std::string& name, bool* same);
  TransferResult store(const std::filesystem::path& local_file, std::int64_t local_size,
                       const std::string& remote_dir, const std::string& name);
  TransferResult checkRemoteSize(const std::filesystem::path& local_file, std::int64_t local_size,
                                 const std::string& remote_dir, const std::string& name,
                                 std::string_view step);
  TransferResult rename(const std::string& remote_dir, const std::string& from,
                        const std::string& to);
  TransferResult retrieve(const std::string& remote_dir, const std::string& name,
                          const std::filesystem::path& local_file);

  std::string fileUrl(const std::string& remote_dir, const std::string& name) const;
  std::string directoryUrl(const std::string& remote_dir) const;
  std::string endpoint() const;
  TransferResult failure(std::string_view action, const Reply& reply) const;
  TransferResult setupFailure(CURLcode code) const;

  static size_t onHeader(char* data, size_t size, size_t count, void* user_data);
  void readCertificateExpiry();

  std::optional<std::chrono::system_clock::time_point> certificate_expiry_;

  FtpsSettings settings_;
  CurlEasy easy_;
  std::array<char, CURL_ERROR_SIZE> error_buffer_{};
  std::string last_server_reply_;
};

}  // namespace alur::transport
