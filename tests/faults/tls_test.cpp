// vsftpd with require_ssl_reuse=YES, as the platform runs it: every data connection must resume
// the TLS session of its control connection. The relay limits TLS to 1.2, because TLS 1.3 fails
// with Debian 12's libcurl 7.88.1 and OpenSSL 3.0. Tls13UploadsMeet522 records how, and fails
// with a message once a libcurl update fixes it.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fault_test_base.h"
#include "support/fault_proxy.h"
#include "support/process.h"
#include "transport/curl_handle.h"
#include "transport/ftps_client.h"

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;

class TlsSessionReuseTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }

  transport::FtpsSettings settings(int port) const {
    transport::FtpsSettings settings;
    settings.port = port;
    settings.user = simulatorInfo().user;
    settings.password = simulatorInfo().password;
    settings.ca_file = simulatorInfo().ca_file;
    settings.connect_timeout_seconds = 5;
    settings.transfer_timeout_seconds = 10;
    return settings;
  }

  int countControlConnections() const {
    const std::string log = readFileBytes(simulatorFolder() / "vsftpd.log");
    int count = 0;
    for (std::size_t at = 0; (at = log.find("CONNECT: Client", at)) != std::string::npos; ++at) {
      ++count;
    }
    return count;
  }

  fs::path writeLocal(const std::string& name) const {
    const fs::path path = work_ / name;
    std::ofstream(path, std::ios::binary) << "bytes of " << name << "\r\n";
    return path;
  }
};

TEST_F(TlsSessionReuseTest, ThreeUploadsAndListingOnOneConnection) {
  const int connections_before = countControlConnections();
  transport::FtpsClient client(settings(simulatorInfo().port));
  const std::vector<std::string> names = {"tls-1.csv", "tls-2.csv", "tls-3.csv"};
  for (const std::string& name : names) {
    transport::TransferResult uploaded =
        client.upload(writeLocal(name), simulatorInfo().upload_dir, name, ".part");
    ASSERT_TRUE(uploaded.ok()) << uploaded.message;
  }
  std::vector<std::string> listed;
  transport::TransferResult listing = client.list(simulatorInfo().upload_dir, &listed);

  ASSERT_TRUE(listing.ok()) << listing.message;
  for (const std::string& name : names) {
    EXPECT_THAT(listed, Contains(name));
  }
  EXPECT_EQ(countControlConnections() - connections_before, 1);
}

// The proxy reports the TLS version of each connection that the relay opens.
TEST_F(TlsSessionReuseTest, RelayNegotiatesTls12) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.start(simulatorInfo(), ProxyFault{}, work_ / "proxy"), "");
  transport::FtpsClient client(settings(proxy.port()));
  transport::TransferResult uploaded =
      client.upload(writeLocal("version.csv"), simulatorInfo().upload_dir, "version.csv", ".part");
  ASSERT_TRUE(uploaded.ok()) << uploaded.message;

  int control = 0;
  int data = 0;
  for (const auto& event : proxy.events()) {
    if (event.value("kind", "") != "tls") {
      continue;
    }
    EXPECT_EQ(event.value("version", ""), "TLSv1.2") << event.dump();
    control += event.value("channel", "") == "control";
    data += event.value("channel", "") == "data";
  }
  EXPECT_EQ(control, 1);
  EXPECT_EQ(data, 1);
}

// Uploads `count` times on one libcurl handle, with the TLS options of the relay but the TLS
// versions given by `ssl_version` (CURLOPT_SSLVERSION). Returns the FTP reply code of each
// transfer, 0 when libcurl got none.
std::vector<long> uploadRepeatedly(const SimulatorInfo& simulator, const fs::path& local, int count,
                                   long ssl_version) {
  transport::CurlEasy easy = transport::makeCurlEasy();
  std::vector<long> codes;
  for (int i = 0; i < count; ++i) {
    std::ifstream in(local, std::ios::binary);
    const std::string url = "ftp://127.0.0.1:" + std::to_string(simulator.port) + "/%2Fdepot/" +
                            "tls13-" + std::to_string(i) + ".csv";
    CURL* handle = easy.get();
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, simulator.user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, simulator.password.c_str());
    curl_easy_setopt(handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, ssl_version);
    curl_easy_setopt(handle, CURLOPT_CAINFO, simulator.ca_file.c_str());
    curl_easy_setopt(handle, CURLOPT_SSL_SESSIONID_CACHE, 1L);
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READDATA, &in);
    curl_easy_setopt(
        handle, CURLOPT_READFUNCTION,
        +[](char* buffer, size_t size, size_t items, void* stream) -> size_t {
          auto* file = static_cast<std::ifstream*>(stream);
          file->read(buffer, static_cast<std::streamsize>(size * items));
          return static_cast<size_t>(file->gcount());
        });
    curl_easy_perform(handle);
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    codes.push_back(code);
  }
  return codes;
}

// With TLS 1.3, libcurl 7.88.1 resumes the control connection's session on the first data
// connection, but after one or two uploads a data connection does a full handshake and vsftpd
// replies "522 SSL connection failed: session reuse required". Which upload fails varies from
// run to run (the second or the third in most runs seen, later on a loaded machine), so the
// test sends twelve. The relay classifies 522 as permanent.
TEST_F(TlsSessionReuseTest, Tls13UploadsMeet522) {
  const fs::path local = writeLocal("tls13.csv");
  const long tls13_allowed = CURL_SSLVERSION_TLSv1_2;
  const long tls12_only =
      static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2);

  const std::vector<long> with_tls13 =
      uploadRepeatedly(simulatorInfo(), local, 12, tls13_allowed);
  const std::vector<long> with_tls12 = uploadRepeatedly(simulatorInfo(), local, 4, tls12_only);

  ASSERT_EQ(with_tls13.size(), 12u);
  EXPECT_EQ(with_tls13[0], 226);
  EXPECT_THAT(with_tls13, Contains(522))
      << "twelve uploads over TLS 1.3 worked: if libcurl now resumes the session on every data "
         "connection, the TLS 1.2 limit in ftps_client.cpp can go";
  EXPECT_EQ(with_tls12, std::vector<long>(4, 226));
  EXPECT_EQ(transport::classify(CURLE_PARTIAL_FILE, 522), transport::Outcome::kPermanent);
}

}  // namespace
}  // namespace alur::testing
