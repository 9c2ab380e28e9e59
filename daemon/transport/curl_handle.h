// RAII owners for libcurl's easy handles and string lists, and libcurl's process-wide setup.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <curl/curl.h>

namespace alur::transport {

// Runs curl_global_init once per process. libcurl requires it before the first easy handle is
// created, and it is not thread-safe before libcurl 7.84, hence the std::call_once. The
// matching curl_global_cleanup is left to process exit.
inline CURLcode initCurlOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

// Sets the CAs that a TLS connection of `handle` trusts: only those of `ca_file` when it is set.
// Otherwise the system's: libcurl's default bundle and folder on Linux (/etc/ssl/certs on
// Debian), and on Windows the certificate store of the machine, since OpenSSL there has no
// store of its own. Returns the first error of curl_easy_setopt.
inline CURLcode trustCertificateAuthorities(CURL* handle, const std::string& ca_file) {
  if (!ca_file.empty()) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file.c_str());
    if (code != CURLE_OK) {
      return code;
    }
    code = curl_easy_setopt(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    // A TLS library without CA folders (Schannel) reads none anyway.
    return code == CURLE_NOT_BUILT_IN ? CURLE_OK : code;
  }
#ifdef _WIN32
  return curl_easy_setopt(handle, CURLOPT_SSL_OPTIONS, static_cast<long>(CURLSSLOPT_NATIVE_CA));
#else
  return CURLE_OK;
#endif
}

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

// An easy handle. It keeps its connection cache and TLS session cache across curl_easy_reset.
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

// Returns a new easy handle, or nullptr when libcurl could not be initialized.
inline CurlEasy makeCurlEasy() {
  if (initCurlOnce() != CURLE_OK) {
    return nullptr;
  }
  return CurlEasy(curl_easy_init());
}

// A curl_slist, for options such as CURLOPT_QUOTE that take a list of strings. It must outlive
// every curl_easy_perform that uses it.
class CurlStringList {
 public:
  CurlStringList() = default;
  CurlStringList(const CurlStringList&) = delete;
  CurlStringList& operator=(const CurlStringList&) = delete;
  ~CurlStringList() { curl_slist_free_all(head_); }

  // Appends a copy of `text`. Returns false when libcurl could not allocate it.
  bool append(const std::string& text) {
    curl_slist* head = curl_slist_append(head_, text.c_str());
    if (head == nullptr) {
      return false;
    }
    head_ = head;
    return true;
  }

  curl_slist* get() const { return head_; }

 private:
  curl_slist* head_ = nullptr;
};

}  // namespace alur::transport
