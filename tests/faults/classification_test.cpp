// The classification of upload failures, checked against real exchanges: transient (connection
// refused or reset, timeout, 421, 425, 426, 450, 451, 452, TLS handshake interrupted) and
// permanent (530 login refused, 550 and 553 permission, certificate not trusted). vsftpd
// produces the permanent ones; the proxy produces the others. A refused connection is covered
// by outage_test.cpp, a reset by transfer_cut_test.cpp, and a refused login and an untrusted
// certificate by tests/transport/ftps_client_test.cpp.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fault_test_base.h"
#include "support/fault_proxy.h"
#include "support/process.h"
#include "transport/ftps_client.h"

namespace alur::transport {

std::ostream& operator<<(std::ostream& out, Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return out << "kOk";
    case Outcome::kTransient:
      return out << "kTransient";
    case Outcome::kPermanent:
      return out << "kPermanent";
  }
  return out << "Outcome(" << static_cast<int>(outcome) << ")";
}

}  // namespace alur::transport

namespace alur::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using transport::Outcome;
using transport::TransferResult;

class ClassificationTest : public SimulatorSuite {
 protected:
  static void SetUpTestSuite() { startSimulator(); }
  static void TearDownTestSuite() { stopSimulator(); }

  transport::FtpsSettings settings(int port) const {
    transport::FtpsSettings settings;
    settings.port = port;
    settings.user = simulatorInfo().user;
    settings.password = simulatorInfo().password;
    settings.ca_file = simulatorInfo().ca_file;
    settings.connect_timeout_seconds = 3;
    settings.transfer_timeout_seconds = 5;
    return settings;
  }

  TransferResult uploadThrough(const ProxyFault& fault, const std::string& remote_dir) {
    FaultProxy proxy;
    EXPECT_EQ(proxy.start(simulatorInfo(), fault, work_ / "proxy"), "");
    const fs::path local = work_ / "batch.csv";
    std::ofstream(local, std::ios::binary) << "2026;73282932000074;0;classification\r\n";
    TransferResult result =
        transport::FtpsClient(settings(proxy.port())).upload(local, remote_dir, name_, ".part");
    EXPECT_EQ(proxy.faultsFired(), 1) << "the fault did not happen";
    return result;
  }

  TransferResult uploadDirect(const std::string& remote_dir) {
    const fs::path local = work_ / "batch.csv";
    std::ofstream(local, std::ios::binary) << "2026;73282932000074;0;classification\r\n";
    return transport::FtpsClient(settings(simulatorInfo().port))
        .upload(local, remote_dir, name_, ".part");
  }

  std::string name_ =
      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".csv";
};

ProxyFault replyTo(const std::string& command, const std::string& reply) {
  ProxyFault fault;
  fault.fault = "reply";
  fault.command = command;
  fault.reply = reply;
  return fault;
}

ProxyFault named(const std::string& name, const std::string& reply = "") {
  ProxyFault fault;
  fault.fault = name;
  fault.reply = reply;
  return fault;
}

TEST_F(ClassificationTest, ServiceNotAvailableGreetingIsTransient) {
  TransferResult result =
      uploadThrough(named("greeting", "421 Service not available, closing control connection."),
                    simulatorInfo().upload_dir);
  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_EQ(result.ftp_code, 421);
}

TEST_F(ClassificationTest, HandshakeClosedWithFinIsTransient) {
  TransferResult result = uploadThrough(named("handshake-fin"), simulatorInfo().upload_dir);
  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_THAT(result.message, HasSubstr("TLS"));
}

TEST_F(ClassificationTest, HandshakeResetIsTransient) {
  TransferResult result = uploadThrough(named("handshake-rst"), simulatorInfo().upload_dir);
  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
}

TEST_F(ClassificationTest, SilentServerTimesOut) {
  TransferResult result = uploadThrough(named("stall"), simulatorInfo().upload_dir);
  EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
  EXPECT_THAT(result.message, HasSubstr("retry later"));
}

TEST_F(ClassificationTest, TransientStoreRepliesAreTransient) {
  for (const std::string reply :
       {"425 Can't open data connection.", "426 Connection closed; transfer aborted.",
        "450 Requested file action not taken.", "451 Local error in processing.",
        "452 Insufficient storage space."}) {
    SCOPED_TRACE(reply);
    TransferResult result = uploadThrough(replyTo("STOR", reply), simulatorInfo().upload_dir);
    EXPECT_EQ(result.outcome, Outcome::kTransient) << result.message;
    EXPECT_EQ(result.ftp_code, std::stol(reply.substr(0, 3)));
    EXPECT_FALSE(fs::exists(uploadFolder() / name_));
  }
}

TEST_F(ClassificationTest, PermanentStoreRepliesArePermanent) {
  for (const std::string reply : {"550 Permission denied.", "553 Could not create file."}) {
    SCOPED_TRACE(reply);
    TransferResult result = uploadThrough(replyTo("STOR", reply), simulatorInfo().upload_dir);
    EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.message;
    EXPECT_EQ(result.ftp_code, std::stol(reply.substr(0, 3)));
  }
}

// The FTP root belongs to root, so vsftpd cannot create a file there for the FTP user.
TEST_F(ClassificationTest, ReadOnlyFolderIsPermanent) {
  TransferResult result = uploadDirect("/");
  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.message;
  EXPECT_EQ(result.ftp_code, 553);
}

TEST_F(ClassificationTest, MissingFolderIsPermanent) {
  TransferResult result = uploadDirect("/missing-folder");
  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.message;
  EXPECT_EQ(result.ftp_code, 550);
  EXPECT_THAT(result.message, HasSubstr("remote directory"));
}

}  // namespace
}  // namespace alur::testing
