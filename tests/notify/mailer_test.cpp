// The SMTP client against a real SMTP server on 127.0.0.1 (aiosmtpd), in each security mode.
#include "notify/mailer.h"

#include <fstream>

#include <gtest/gtest.h>

#include "common/hash.h"
#include "support/smtp_server.h"

namespace alur::notify {
namespace {

using testing::SmtpServer;
using testing::SmtpServerOptions;

class MailerTest : public ::testing::Test {
 protected:
  void startServer(const SmtpServerOptions& options) {
    folder_ = testing::makeTempFolder("alur-smtp");
    std::string error = server_.start(folder_, options);
    ASSERT_EQ(error, "");
    settings_.server = "127.0.0.1";
    settings_.port = server_.port();
    settings_.ca_file = server_.certificate();
    settings_.security = "none";
    if (options.starttls) {
      settings_.security = "starttls";
    }
    if (options.implicit_tls) {
      settings_.security = "tls";
    }
    settings_.user = options.user;
    settings_.password = options.password;
    settings_.timeout_seconds = 20;
  }

  MailMessage frenchMessage() {
    MailMessage m;
    m.from = "alur-relay@agence-exemple.fr";
    m.to = {"gestion@agence-exemple.fr", "direction@agence-exemple.fr"};
    m.subject = "Certificat de transmission – baux intégrés à l'observatoire";
    m.text =
        "Bonjour,\n\nLe certificat est joint. Données reçues : 266 baux.\n.Une ligne qui "
        "commence par un point.\nÀ bientôt.\n";
    m.message_id = "certificate.test.1@agence-exemple.fr";
    m.date = std::chrono::system_clock::now();
    std::string pdf = "%PDF-1.4\n";
    for (int i = 0; i < 3000; ++i) {
      pdf += static_cast<char>(i * 7 % 256);
    }
    m.attachments.push_back({"2026_73282932000074_001.CERTIFICAT.PDF", "application/pdf", pdf});
    return m;
  }

  std::filesystem::path folder_;
  SmtpServer server_;
  SmtpSettings settings_;
};

TEST_F(MailerTest, SendsOverStarttlsWithLogin) {
  startServer({.starttls = true, .user = "relay", .password = "s3cr#t;é"});
  MailMessage message = frenchMessage();
  SendResult sent = makeSmtpMailer(settings_)->send(message);
  ASSERT_TRUE(sent.ok) << sent.message;

  auto files = server_.messages();
  ASSERT_EQ(files.size(), 1u);
  auto mail = testing::readMail(files[0]);
  ASSERT_TRUE(mail.is_object());
  EXPECT_EQ(mail["headers"]["Subject"], message.subject);
  EXPECT_EQ(mail["headers"]["From"], message.from);
  EXPECT_EQ(mail["headers"]["To"], "gestion@agence-exemple.fr, direction@agence-exemple.fr");
  EXPECT_EQ(mail["headers"]["Message-ID"], "<" + message.message_id + ">");
  EXPECT_TRUE(mail["headers"].contains("Date"));
  EXPECT_EQ(mail["text"], message.text);
  EXPECT_EQ(mail["text_charset"], "utf-8");
  EXPECT_EQ(mail["text_transfer_encoding"], "quoted-printable");
  EXPECT_TRUE(mail["defects"].empty()) << mail["defects"].dump();
  EXPECT_TRUE(mail["crlf_only"]);
  ASSERT_EQ(mail["attachments"].size(), 1u);
  EXPECT_EQ(mail["attachments"][0]["filename"], "2026_73282932000074_001.CERTIFICAT.PDF");
  EXPECT_EQ(mail["attachments"][0]["content_type"], "application/pdf");
  EXPECT_EQ(mail["attachments"][0]["size"], message.attachments[0].bytes.size());
  EXPECT_EQ(mail["attachments"][0]["sha256"], sha256Hex(message.attachments[0].bytes));
  EXPECT_EQ(mail["envelope"]["login"], "relay");
  EXPECT_EQ(mail["envelope"]["rcpt_tos"].size(), 2u);
}

TEST_F(MailerTest, SendsOverImplicitTls) {
  startServer({.implicit_tls = true, .user = "relay", .password = "pw"});
  SendResult sent = makeSmtpMailer(settings_)->send(frenchMessage());
  ASSERT_TRUE(sent.ok) << sent.message;
  EXPECT_EQ(server_.messages().size(), 1u);
}

TEST_F(MailerTest, SendsInPlainToALocalRelayWithoutLogin) {
  startServer({});
  SendResult sent = makeSmtpMailer(settings_)->send(frenchMessage());
  ASSERT_TRUE(sent.ok) << sent.message;
  EXPECT_EQ(server_.messages().size(), 1u);
}

TEST_F(MailerTest, ReportsRefusedLoginWithTheServersReply) {
  startServer({.starttls = true, .user = "relay", .password = "pw", .refuse_login = true});
  SendResult sent = makeSmtpMailer(settings_)->send(frenchMessage());
  EXPECT_FALSE(sent.ok);
  EXPECT_TRUE(sent.login_refused);
  EXPECT_NE(sent.message.find("535 5.7.139"), std::string::npos) << sent.message;
  EXPECT_NE(sent.message.find("email.password"), std::string::npos) << sent.message;
  EXPECT_TRUE(server_.messages().empty());
}

TEST_F(MailerTest, RefusesAServerItCannotVerify) {
  startServer({.starttls = true});
  std::filesystem::path other_ca = folder_ / "other.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other "
                         "-keyout " +
                         (folder_ / "other.key").string() + " -out " + other_ca.string() +
                         " >/dev/null 2>&1")
                            .c_str()),
            0);
  settings_.ca_file = other_ca.string();
  SendResult sent = makeSmtpMailer(settings_)->send(frenchMessage());
  EXPECT_FALSE(sent.ok);
  EXPECT_FALSE(sent.login_refused);
  EXPECT_TRUE(server_.messages().empty());
}

TEST_F(MailerTest, ReportsAServerThatIsNotThere) {
  startServer({});
  server_.stop();
  SendResult sent = makeSmtpMailer(settings_)->send(frenchMessage());
  EXPECT_FALSE(sent.ok);
  EXPECT_NE(sent.message.find("127.0.0.1:" + std::to_string(settings_.port)), std::string::npos)
      << sent.message;
}

}  // namespace
}  // namespace alur::notify
