// The notifier on a real SQLite store, sending to a real SMTP server on 127.0.0.1: which mails
// the queue's events give, once each, through restarts, refused logins and outages.
#include "notify/notifier.h"

#include <gtest/gtest.h>

#include "common/hash.h"
#include "status/status_facts.h"
#include "status/store_fill.h"
#include "support/smtp_server.h"

namespace alur::notify {
namespace {

using namespace std::chrono_literals;
using lease::Classification;

// A clock the test moves by hand.
class ManualClock : public Clock {
 public:
  explicit ManualClock(const std::string& utc) : now_(parseUtc(utc)) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }
  void advance(std::chrono::seconds by) { now_ += by; }
  std::string nowUtc() const { return formatUtc(now_); }

 private:
  std::chrono::system_clock::time_point now_;
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    folder_ = testing::makeTempFolder("alur-notify");
    startServer({.starttls = true, .user = "relay", .password = "pw"});
    config_.state_dir = folder_ / "state";
    std::filesystem::create_directories(config_.state_dir);
    config_.status.port = 0;
    config_.contributor.siret = testing::kFillSiret;
    config_.contributor.company_name = "Agence Exemple";
    config_.email.from = "alur-relay@agence-exemple.fr";
    config_.email.to = {"gestion@agence-exemple.fr"};
    config_.email.alerts_to = {"informatique@agence-exemple.fr"};
    config_.email.alert_after_minutes = 60;
    auto store = store::Store::open(config_.databasePath());
    ASSERT_TRUE(store.ok()) << store.message();
    store_ = std::move(*store);
    notifier_ = makeNotifier();
  }

  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }

  void startServer(const testing::SmtpServerOptions& options) {
    server_.stop();
    ASSERT_EQ(server_.start(folder_ / ("smtp" + std::to_string(++servers_)), options), "");
    config_.email.server = "127.0.0.1";
    config_.email.port = server_.port();
    config_.email.security = "starttls";
    config_.email.user = options.user;
    config_.email.password = options.password;
    config_.email.ca_file = server_.certificate();
    config_.email.timeout_seconds = 20;
  }

  std::unique_ptr<Notifier> makeNotifier() {
    return std::make_unique<Notifier>(config_, *store_, clock_,
                                      [this] { return makeSmtpMailer(config_.email); });
  }

  // Plans and delivers, as one tick of the service does.
  Status tick() {
    if (Status planned = notifier_->plan(); !planned) {
      return planned;
    }
    return notifier_->deliver();
  }

  std::vector<nlohmann::json> mails() {
    std::vector<nlohmann::json> out;
    for (const auto& file : server_.messages()) {
      out.push_back(testing::readMail(file));
    }
    return out;
  }

  // Imports A, B, C (valid) and D (invalid), batches the valid ones and certifies the batch
  // with a report that rejects B.
  store::BatchRow certifiedBatchRejectingB() {
    lease::Issue missing{"surface_missing", lease::Severity::kError, "surface", "",
                         "Logement D : surface habitable absente ; renseignez-la."};
    testing::importLeases(*store_,
                          {{"A", Classification::kValid},
                           {"B", Classification::kValid},
                           {"C", Classification::kValid},
                           {"D", Classification::kInvalid}},
                          {missing}, "/exports/day1.csv");
    auto batch = testing::buildFillBatch(*store_, 0);
    EXPECT_TRUE(batch.has_value());
    certificate_ = config_.archiveDir() / "2027_batch" / "2027_batch.CERTIFICAT.PDF";
    testing::certify(*store_, *batch,
                     {{"A", "integrated", ""},
                      {"B", "rejected", "Adresse incomplète : numéro de voie absent"},
                      {"C", "integrated", ""}},
                     certificate_);
    return *batch;
  }

  std::filesystem::path folder_;
  int servers_ = 0;
  testing::SmtpServer server_;
  ManualClock clock_{"2027-01-15T09:00:00Z"};
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Notifier> notifier_;
  std::filesystem::path certificate_;
};

TEST_F(NotifierTest, MailsCertificateAndCorrections) {
  ASSERT_TRUE(tick().ok());  // e-mail starts before the batch: its events are mailed
  auto batch = certifiedBatchRejectingB();
  clock_.advance(2h);
  Status ticked = tick();
  ASSERT_TRUE(ticked.ok()) << ticked.message();

  auto received = mails();
  ASSERT_EQ(received.size(), 3u);
  const auto& certificate = received[0];
  EXPECT_EQ(certificate["headers"]["Subject"],
            "Certificat de transmission CLAMEUR – fichier " + batch.file_name);
  EXPECT_EQ(certificate["envelope"]["rcpt_tos"], nlohmann::json({"gestion@agence-exemple.fr"}));
  std::string text = certificate["text"];
  EXPECT_NE(text.find("2 baux intégrés, 1 bail à corriger"), std::string::npos) << text;
  EXPECT_NE(text.find("loi ALUR"), std::string::npos);
  ASSERT_EQ(certificate["attachments"].size(), 1u);
  EXPECT_EQ(certificate["attachments"][0]["filename"], "2027_batch.CERTIFICAT.PDF");
  EXPECT_EQ(certificate["attachments"][0]["sha256"],
            sha256Hex(testing::readFileBytes(certificate_)));

  const auto& rejected = received[1];
  EXPECT_EQ(
      rejected["headers"]["Subject"],
      "Baux à corriger : 1 logement refusé par l'observatoire (fichier " + batch.file_name + ")");
  text = rejected["text"];
  EXPECT_NE(text.find("- Logement B, 1 RUE des Lilas, 69003 Lyon\n  Motif donné par "
                      "l'observatoire : Adresse incomplète : numéro de voie absent"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Logement A"), std::string::npos) << "integrated leases are not listed";
  EXPECT_EQ(text.find("Logement D"), std::string::npos) << "invalid leases have their own mail";

  const auto& invalid = received[2];
  EXPECT_EQ(invalid["headers"]["Subject"],
            "Baux à compléter : 1 logement non envoyé à l'observatoire");
  text = invalid["text"];
  EXPECT_NE(text.find("Logement D : surface habitable absente ; renseignez-la."), std::string::npos)
      << text;
}

TEST_F(NotifierTest, InvalidLeasesMailedOnlyWhenANewOneAppears) {
  lease::Issue missing{"surface_missing", lease::Severity::kError, "surface", "",
                       "Logement X : surface habitable absente ; renseignez-la."};
  ASSERT_TRUE(tick().ok());
  testing::importLeases(*store_, {{"X", Classification::kInvalid}, {"Y", Classification::kInvalid}},
                        {missing}, "/exports/day1.csv");
  ASSERT_TRUE(tick().ok());
  ASSERT_EQ(server_.messages().size(), 1u);

  // Y fixed: the list shrinks, no mail.
  testing::importLeases(*store_, {{"X", Classification::kInvalid}, {"Y", Classification::kValid}},
                        {missing}, "/exports/day2.csv");
  ASSERT_TRUE(tick().ok());
  EXPECT_EQ(server_.messages().size(), 1u);

  // Z appears: one mail with the whole current list.
  testing::importLeases(*store_,
                        {{"X", Classification::kInvalid},
                         {"Y", Classification::kValid},
                         {"Z", Classification::kInvalid}},
                        {missing}, "/exports/day3.csv");
  ASSERT_TRUE(tick().ok());
  auto received = mails();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1]["headers"]["Subject"],
            "Baux à compléter : 2 logements non envoyés à l'observatoire");
}

TEST_F(NotifierTest, RefusedRecipientDoesNotBlockTheOutbox) {
  startServer({.starttls = true,
               .user = "relay",
               .password = "pw",
               .refused_recipients = {"parti@agence-exemple.fr"}});
  config_.email.to = {"parti@agence-exemple.fr"};
  notifier_ = makeNotifier();
  ASSERT_TRUE(tick().ok());
  certifiedBatchRejectingB();  // three mails, all to the refused address
  ASSERT_TRUE(tick().ok());

  store::Outbox outbox(*store_);
  auto unsent = outbox.unsent(10);
  ASSERT_TRUE(unsent.ok());
  EXPECT_TRUE(unsent->empty()) << "refused mails are given up, not retried";
  auto recent = outbox.recent(10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 3u);
  for (const auto& n : *recent) {
    EXPECT_NE(n.last_error.find("550"), std::string::npos) << n.last_error;
  }

  // Another recipient of the same message still gets it.
  config_.email.to = {"parti@agence-exemple.fr", "gestion@agence-exemple.fr"};
  SendResult sent = sendTestMail(config_, *makeSmtpMailer(config_.email), clock_);
  ASSERT_TRUE(sent.ok) << sent.message;
  auto received = mails();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["envelope"]["rcpt_tos"],
            nlohmann::json({"gestion@agence-exemple.fr", "informatique@agence-exemple.fr"}));
}

TEST_F(NotifierTest, RestartSendsNothingAgain) {
  ASSERT_TRUE(tick().ok());
  certifiedBatchRejectingB();
  ASSERT_TRUE(tick().ok());
  ASSERT_EQ(server_.messages().size(), 3u);

  notifier_ = makeNotifier();  // a new process on the same database
  for (int i = 0; i < 3; ++i) {
    clock_.advance(10min);
    ASSERT_TRUE(tick().ok());
  }
  EXPECT_EQ(server_.messages().size(), 3u);
}

TEST_F(NotifierTest, SkipsHistoryBeforeFirstPlan) {
  certifiedBatchRejectingB();  // certified at 10:00 UTC
  clock_.advance(3h);          // e-mail configured afterwards
  ASSERT_TRUE(tick().ok());
  // Only the current list of leases to complete: no certificate, no report of the past.
  auto received = mails();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["headers"]["Subject"],
            "Baux à compléter : 1 logement non envoyé à l'observatoire");
}

TEST_F(NotifierTest, OutageAlertsOnceAndRecovers) {
  testing::importLeases(*store_, {{"A", Classification::kValid}}, {}, "/exports/day1.csv");
  auto batch = testing::buildFillBatch(*store_, 0);
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(tick().ok());
  // Two days of failing attempts, every 10 minutes.
  for (int i = 0; i < 2 * 24 * 6; ++i) {
    clock_.advance(10min);
    ASSERT_TRUE(store_->markUploading(batch->id, clock_.nowUtc()).ok());
    ASSERT_TRUE(store_
                    ->recordUploadFailure(batch->id, false, "connection refused by 127.0.0.1:21",
                                          clock_.nowUtc(), clock_.nowUtc())
                    .ok());
    ASSERT_TRUE(tick().ok());
    if (i == 4) {
      EXPECT_TRUE(server_.messages().empty()) << "50 minutes is within alert_after_minutes";
    }
  }
  auto received = mails();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["envelope"]["rcpt_tos"],
            nlohmann::json({"informatique@agence-exemple.fr"}));
  std::string subject = received[0]["headers"]["Subject"];
  EXPECT_EQ(subject,
            "alur-relay : les envois vers l'observatoire échouent depuis le 15/01/2027 "
            "à 10:10");
  EXPECT_NE(std::string(received[0]["text"]).find("connection refused by 127.0.0.1:21"),
            std::string::npos);

  clock_.advance(10min);
  ASSERT_TRUE(store_->markUploaded(batch->id, clock_.nowUtc()).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tick().ok());
    clock_.advance(10min);
  }
  received = mails();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1]["headers"]["Subject"],
            "alur-relay : les envois vers l'observatoire fonctionnent de nouveau");

  notifier_ = makeNotifier();
  ASSERT_TRUE(tick().ok());
  EXPECT_EQ(server_.messages().size(), 2u);
}

TEST_F(NotifierTest, PermanentFailureAlertsAtOnce) {
  testing::importLeases(*store_, {{"A", Classification::kValid}}, {}, "/exports/day1.csv");
  auto batch = testing::buildFillBatch(*store_, 0);
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(tick().ok());
  ASSERT_TRUE(store_->markUploading(batch->id, clock_.nowUtc()).ok());
  ASSERT_TRUE(
      store_->recordUploadFailure(batch->id, true, "530 Login incorrect", clock_.nowUtc(), "")
          .ok());
  ASSERT_TRUE(tick().ok());
  auto received = mails();
  ASSERT_EQ(received.size(), 1u);
  std::string text = received[0]["text"];
  EXPECT_NE(text.find("530 Login incorrect"), std::string::npos);
  EXPECT_NE(text.find("alur-relay resend"), std::string::npos);
}

TEST_F(NotifierTest, RefusedLoginIsRecordedOnceAndRetriedLater) {
  ASSERT_TRUE(tick().ok());
  startServer({.starttls = true, .user = "relay", .password = "pw", .refuse_login = true});
  notifier_ = makeNotifier();
  certifiedBatchRejectingB();
  Status first = tick();
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.message().find("535 5.7.139"), std::string::npos) << first.message();

  auto facts = status::readStatusFacts(config_, *store_);
  ASSERT_TRUE(facts.ok()) << facts.message();
  auto failing = std::find_if(facts->failing.begin(), facts->failing.end(),
                              [](const auto& f) { return f.part == "email"; });
  ASSERT_NE(failing, facts->failing.end());
  EXPECT_NE(failing->error.find("535 5.7.139"), std::string::npos);

  // Within the backoff nothing is tried again.
  clock_.advance(1min);
  EXPECT_TRUE(tick().ok());
  store::Outbox outbox(*store_);
  auto unsent = outbox.unsent(10);
  ASSERT_TRUE(unsent.ok());
  ASSERT_EQ(unsent->size(), 3u);
  EXPECT_EQ((*unsent)[0].attempts, 1);

  // The sysadmin fixes the account; after the backoff everything goes, once.
  startServer({.starttls = true, .user = "relay", .password = "pw"});
  clock_.advance(2h);
  Status fixed = tick();
  ASSERT_TRUE(fixed.ok()) << fixed.message();
  EXPECT_EQ(server_.messages().size(), 3u);
  facts = status::readStatusFacts(config_, *store_);
  ASSERT_TRUE(facts.ok());
  EXPECT_TRUE(std::none_of(facts->failing.begin(), facts->failing.end(),
                           [](const auto& f) { return f.part == "email"; }));
}

TEST_F(NotifierTest, DailySummaryOncePerDay) {
  config_.email.summary = "daily";
  config_.email.summary_hour = 8;
  notifier_ = makeNotifier();
  // 2027-01-15T06:00Z is 07:00 in Paris: before the summary time.
  clock_ = ManualClock("2027-01-15T06:00:00Z");
  ASSERT_TRUE(tick().ok());
  EXPECT_TRUE(server_.messages().empty());
  for (int i = 0; i < 52; ++i) {  // to 09:00 in Paris on the 16th
    clock_.advance(30min);
    ASSERT_TRUE(tick().ok());
  }
  auto received = mails();
  ASSERT_EQ(received.size(), 2u);  // the 15th and the 16th
  EXPECT_EQ(received[0]["headers"]["Subject"], "alur-relay : point quotidien du 15/01/2027");
  EXPECT_EQ(received[1]["headers"]["Subject"], "alur-relay : point quotidien du 16/01/2027");
}

TEST_F(NotifierTest, TestMailReachesBothLists) {
  SendResult sent = sendTestMail(config_, *makeSmtpMailer(config_.email), clock_);
  ASSERT_TRUE(sent.ok) << sent.message;
  auto received = mails();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["envelope"]["rcpt_tos"],
            nlohmann::json({"gestion@agence-exemple.fr", "informatique@agence-exemple.fr"}));
  EXPECT_NE(std::string(received[0]["text"]).find("informatique@agence-exemple.fr"),
            std::string::npos);
}

}  // namespace
}  // namespace alur::notify
