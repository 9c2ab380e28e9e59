#include "receipts/receipts.h"

#include <gtest/gtest.h>

namespace alur::receipts {
namespace {

TEST(ReceiptsTest, ReadsAcceptedAcknowledgement) {
  auto ack = parseAcknowledgement("fichier=2027_X_001.CSV\nstatut=RECU\n");
  ASSERT_TRUE(ack.ok()) << ack.message();
  EXPECT_TRUE(ack->accepted);
}

TEST(ReceiptsTest, ReadsRejectedAcknowledgementWithReason) {
  auto ack = parseAcknowledgement("statut=REJETE\r\nmotif=en-tête illisible\r\n");
  ASSERT_TRUE(ack.ok()) << ack.message();
  EXPECT_FALSE(ack->accepted);
  EXPECT_EQ(ack->reason, "en-tête illisible");
}

TEST(ReceiptsTest, RejectsAcknowledgementWithUnknownStatus) {
  EXPECT_FALSE(parseAcknowledgement("statut=PEUT-ETRE\n").ok());
}

TEST(ReceiptsTest, ParsesReportAndKeepsUnknownStatus) {
  config::ReceiptSettings settings;
  auto lines = parseReport(
      "identifiant;statut;motif\nLOT1;INTEGRE;\nLOT2;REJETE;surface absente\nLOT3;EN_ATTENTE;\n",
      settings);
  ASSERT_TRUE(lines.ok()) << lines.message();
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].status, "integrated");
  EXPECT_EQ((*lines)[1].status, "rejected");
  EXPECT_EQ((*lines)[1].reason, "surface absente");
  EXPECT_EQ((*lines)[2].status, "EN_ATTENTE");
}

TEST(ReceiptsTest, ReadsReportInConfiguredColumnsAndEncoding) {
  config::ReceiptSettings settings;
  settings.report_encoding = "windows-1252";
  settings.report_id_column = 2;
  settings.report_status_column = 0;
  settings.report_reason_column = 1;
  auto lines = parseReport("statut;motif;logement\nREJETE;adresse incompl\xE8te;LOT9\n", settings);
  ASSERT_TRUE(lines.ok()) << lines.message();
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].dwelling_id, "LOT9");
  EXPECT_EQ((*lines)[0].status, "rejected");
  EXPECT_EQ((*lines)[0].reason, "adresse incompl\xC3\xA8te");
}

TEST(ReceiptsTest, RefusesReportThatIsNotInItsEncoding) {
  config::ReceiptSettings settings;
  settings.report_encoding = "utf-8";
  auto lines = parseReport("id;statut;motif\nLOT1;REJETE;incompl\xE8te\n", settings);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.message().find("receipts.report_encoding"), std::string::npos);
}

TEST(ReceiptsTest, ReportLineTooShortNamesTheLine) {
  config::ReceiptSettings settings;
  auto lines = parseReport("id;statut;motif\nLOT1;INTEGRE;\nLOT2\n", settings);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.message().find("line 3"), std::string::npos) << lines.message();
}

TEST(ReceiptsTest, FindsTheStemOfAReturnedName) {
  EXPECT_EQ(stemOf("{stem}.ACK.TXT", "2027_73282932000074_001.ACK.TXT"), "2027_73282932000074_001");
  EXPECT_EQ(stemOf("RETOUR_{stem}.pdf", "RETOUR_X.pdf"), "X");
  EXPECT_FALSE(stemOf("{stem}.ACK.TXT", "2027_001.RAPPORT.CSV").has_value());
  EXPECT_FALSE(stemOf("{stem}.ACK.TXT", ".ACK.TXT").has_value());
}

TEST(ReceiptsTest, BuildsReceiptNameFromPattern) {
  EXPECT_EQ(receiptName("{stem}.ACK.TXT", "2027_73282932000074_001.CSV"),
            "2027_73282932000074_001.ACK.TXT");
}

TEST(ReceiptsTest, RejectsNamesThatLeaveTheArchive) {
  EXPECT_FALSE(isSafeFileName("../etc/passwd"));
  EXPECT_FALSE(isSafeFileName("/etc/passwd"));
  EXPECT_FALSE(isSafeFileName("..\\boot.ini"));
  EXPECT_FALSE(isSafeFileName("C:evil"));
  EXPECT_FALSE(isSafeFileName("a\nb"));
  EXPECT_FALSE(isSafeFileName(""));
  EXPECT_FALSE(isSafeFileName(".hidden"));
  EXPECT_TRUE(isSafeFileName("2027_73282932000074_001.RAPPORT.CSV"));
}

}  // namespace
}  // namespace alur::receipts
