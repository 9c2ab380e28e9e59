#include "notify/mime.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

#include "common/text.h"

namespace alur::notify {
namespace {

TEST(MimeTest, LeavesPlainAsciiSubjectAsIs) {
  EXPECT_EQ(encodeHeaderText("Certificate 2026_001"), "Certificate 2026_001");
}

TEST(MimeTest, EncodesFrenchSubjectAsUtf8Words) {
  std::string encoded = encodeHeaderText("Baux à corriger : 3 logements");
  EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(encoded.find_first_of("àé"), std::string::npos);
}

TEST(MimeTest, SplitsLongSubjectBetweenCharacters) {
  std::string subject;
  for (int i = 0; i < 40; ++i) {
    subject += "é";  // two bytes each, so a cut inside one would break it
  }
  std::string encoded = encodeHeaderText(subject);
  std::size_t start = 0;
  int words = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n ", start);
    std::string word = encoded.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(word.size(), 75u) << word;
    ++words;
    start = end == std::string::npos ? encoded.size() : end + 3;
  }
  EXPECT_EQ(words, 2);  // 80 bytes in words of at most 45
}

TEST(MimeTest, QuotedPrintableLineLimits) {
  std::string text(200, 'a');
  text += "\nLigne accentuée, fin par un espace \n.point en tête\nFrom here\n";
  std::string encoded = quotedPrintable(text);
  std::size_t start = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "every line ends with CRLF";
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_NE(encoded.find("accentu=C3=A9e"), std::string::npos);
  EXPECT_NE(encoded.find("espace=20\r\n"), std::string::npos);
  EXPECT_NE(encoded.find("\r\n=2Epoint"), std::string::npos);
  EXPECT_NE(encoded.find("\r\n=46rom here"), std::string::npos);
}

TEST(MimeTest, Base64MatchesKnownValues) {
  EXPECT_EQ(base64Lines("M"), "TQ==\r\n");
  EXPECT_EQ(base64Lines("Ma"), "TWE=\r\n");
  EXPECT_EQ(base64Lines("Man"), "TWFu\r\n");
  std::string long_input(100, '\xff');
  std::string encoded = base64Lines(long_input);
  EXPECT_EQ(encoded.find("\r\n"), 76u);
}

TEST(MimeTest, DateHasLocalOffset) {
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  // 2026-07-01T12:00:00Z is 14:00 in Paris (summer time).
  auto time = std::chrono::system_clock::from_time_t(1782907200);
  EXPECT_EQ(rfc5322Date(time), "Wed, 01 Jul 2026 14:00:00 +0200");
  unsetenv("TZ");
  tzset();
}

TEST(MimeTest, RefusesAddressesThatWouldBreakHeaders) {
  EXPECT_TRUE(isPlainEmailAddress("gestion@agence-dupont.fr"));
  EXPECT_FALSE(isPlainEmailAddress("gestion@agence.fr\r\nBcc: x@y.fr"));
  EXPECT_FALSE(isPlainEmailAddress("Agence <gestion@agence.fr>"));
  EXPECT_FALSE(isPlainEmailAddress("a@b@c"));
  EXPECT_FALSE(isPlainEmailAddress("@agence.fr"));
  EXPECT_FALSE(isPlainEmailAddress("a@b.fr, c@d.fr"));
}

TEST(MimeTest, MessageWithAttachmentHasEveryHeaderAndPart) {
  MailMessage m;
  m.from = "alur-relay@agence.fr";
  m.to = {"gestion@agence.fr", "direction@agence.fr"};
  m.subject = "Certificat";
  m.text = "Bonjour";
  m.message_id = "id.1@agence.fr";
  m.date = std::chrono::system_clock::now();
  m.attachments.push_back({"C.PDF", "application/pdf", "%PDF"});
  std::string mime = renderMime(m);
  for (const char* header : {"Date: ", "From: alur-relay@agence.fr\r\n",
                             "To: gestion@agence.fr, direction@agence.fr\r\n",
                             "Message-ID: <id.1@agence.fr>\r\n", "MIME-Version: 1.0\r\n",
                             "Content-Type: multipart/mixed; boundary=", "filename=\"C.PDF\""}) {
    EXPECT_NE(mime.find(header), std::string::npos) << header;
  }
  EXPECT_NE(mime.find("JVBERg==\r\n"), std::string::npos);  // "%PDF" in base64
}

}  // namespace
}  // namespace alur::notify
