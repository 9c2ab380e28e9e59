#include "notify/mailer.h"

#include <cstring>

#include <curl/curl.h>

#include "transport/curl_handle.h"

#include <fmt/format.h>

namespace alur::notify {
namespace {

using transport::CurlEasy;
using transport::CurlStringList;

struct Upload {
  const std::string* bytes = nullptr;
  std::size_t offset = 0;
};

std::size_t readMessage(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t room = size * count;
  std::size_t left = upload->bytes->size() - upload->offset;
  std::size_t n = std::min(room, left);
  std::memcpy(buffer, upload->bytes->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// Keeps the server's last error reply (4xx or 5xx), so that an error message contains it, for
// Microsoft 365: "535 5.7.139 Authentication unsuccessful, basic authentication is disabled".
// The 221 reply to libcurl's QUIT after a failure does not replace it.
int keepServerReply(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN && size > 0 && (data[0] == '4' || data[0] == '5')) {
    std::string line(data, size);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.pop_back();
    }
    *static_cast<std::string*>(user) = line;
  }
  return 0;
}

int reportProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& progress = *static_cast<std::function<bool()>*>(user);
  return progress() ? 0 : 1;
}

// A URL host: an IPv6 literal goes in brackets.
std::string urlHost(const std::string& server) {
  return server.find(':') != std::string::npos ? "[" + server + "]" : server;
}

class SmtpMailer : public Mailer {
 public:
  SmtpMailer(SmtpSettings settings, std::function<bool()> progress)
      : settings_(std::move(settings)), progress_(std::move(progress)) {}

  SendResult send(const MailMessage& message) override {
    CurlEasy curl = transport::makeCurlEasy();
    if (!curl) {
      return {false, false, false, "libcurl could not be initialized"};
    }
    std::string scheme = settings_.security == "tls" ? "smtps" : "smtp";
    std::string url =
        fmt::format("{}://{}:{}/alur-relay", scheme, urlHost(settings_.server), settings_.port);
    std::string bytes = renderMime(message);
    Upload upload{&bytes, 0};
    CurlStringList recipients;
    for (const auto& to : message.to) {
      recipients.append("<" + to + ">");
    }
    std::string from = "<" + message.from + ">";
    std::string last_reply;
    char error[CURL_ERROR_SIZE] = {};

    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, readMessage);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, settings_.timeout_seconds);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, keepServerReply);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &last_reply);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // A refused recipient does not stop the message for the others; the server's refusal of
    // every recipient still fails it.
    // libcurl 7.88 spells the option with three L; later versions keep that name as an alias.
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
    if (progress_) {
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, reportProgress);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, &progress_);
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    if (settings_.security == "starttls") {
      curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
    if (settings_.security != "none") {
      curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
      if (CURLcode trust = transport::trustCertificateAuthorities(h, settings_.ca_file);
          trust != CURLE_OK) {
        std::string reason = curl_easy_strerror(trust);
        std::string advice = settings_.ca_file.empty()
                                 ? "libcurl cannot use the system's certificate authorities (" +
                                       reason + "); set email.ca_file to a PEM bundle"
                                 : "libcurl cannot use email.ca_file (" + reason +
                                       "); check that it is a readable PEM bundle";
        return {
            false, false, false,
            fmt::format("sending to {}:{} failed: {}", settings_.server, settings_.port, advice)};
      }
    }
    if (!settings_.user.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, settings_.user.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) {
      return {true, false, false, ""};
    }
    long reply_code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply_code);
    bool login_refused = code == CURLE_LOGIN_DENIED || reply_code == 535 || reply_code == 534;
    bool rejected = !login_refused && (reply_code == 550 || reply_code == 552 ||
                                       reply_code == 553 || reply_code == 554);
    std::string detail = error[0] != '\0' ? error : curl_easy_strerror(code);
    std::string text =
        fmt::format("sending to {}:{} failed: {}", settings_.server, settings_.port, detail);
    if (!last_reply.empty()) {
      text += fmt::format(" (server: {})", last_reply);
    }
    if (login_refused) {
      text +=
          "; the server refused the login: check email.user and email.password, and that the "
          "account may send with SMTP authentication (Microsoft 365 turns it off by default)";
    }
    if (rejected) {
      text +=
          "; the server refuses this message for good, so it is given up: check the "
          "addresses of email.to and email.alerts_to and the size limit of the server";
    }
    return {false, login_refused, rejected, text};
  }

 private:
  SmtpSettings settings_;
  std::function<bool()> progress_;
};

}  // namespace

std::unique_ptr<Mailer> makeSmtpMailer(const SmtpSettings& settings,
                                       std::function<bool()> progress) {
  return std::make_unique<SmtpMailer>(settings, std::move(progress));
}

}  // namespace alur::notify
