// DPAPI secrets (platform/windows/secrets.h).
#include "platform/windows/secrets.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "support.h"

namespace alur::windows {
namespace {

using test::readText;
using test::TempFolder;

TEST(SecretsTest, ProtectedBytesRoundTrip) {
  std::string secret = "mot de passe \xc3\xa9t\xc3\xa9 #;=";
  auto blob = protectForMachine(secret);
  ASSERT_TRUE(blob.ok()) << blob.message();
  EXPECT_EQ(blob->find(secret), std::string::npos) << "the blob holds the plain text";
  auto plain = unprotectForMachine(*blob);
  ASSERT_TRUE(plain.ok()) << plain.message();
  EXPECT_EQ(*plain, secret);
}

TEST(SecretsTest, AlteredBlobIsRejected) {
  auto blob = protectForMachine("secret");
  ASSERT_TRUE(blob.ok()) << blob.message();
  std::string altered = *blob;
  altered[altered.size() - 3] ^= 0x01;
  auto plain = unprotectForMachine(altered);
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.message().find("CryptUnprotectData"), std::string::npos) << plain.message();
}

TEST(SecretsTest, StoredSecretResolvesFromConfiguration) {
  TempFolder folder;
  auto config = folder.path() / "alur-relay.conf";
  ASSERT_TRUE(storeSecret(config, "platform.password", "s3cret").ok());
  auto file = folder.path() / "secrets" / "platform.password.dpapi";
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(readText(file).find("s3cret"), std::string::npos);

  auto resolved = resolveSecret(config, "platform.password", "secret:platform.password");
  ASSERT_TRUE(resolved.ok()) << resolved.message();
  EXPECT_EQ(*resolved, "s3cret");
}

TEST(SecretsTest, PlainValuePassesThrough) {
  TempFolder folder;
  auto resolved = resolveSecret(folder.path() / "a.conf", "platform.password", "plain#value");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(*resolved, "plain#value");
}

TEST(SecretsTest, MissingSecretNamesTheCommandToStoreIt) {
  TempFolder folder;
  auto resolved =
      resolveSecret(folder.path() / "a.conf", "platform.password", "secret:platform.password");
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.message().find("platform.password.dpapi"), std::string::npos)
      << resolved.message();
  EXPECT_NE(resolved.message().find("alur-relay secret set platform.password"), std::string::npos)
      << resolved.message();
}

TEST(SecretsTest, UndecryptableSecretIsReported) {
  TempFolder folder;
  auto config = folder.path() / "a.conf";
  ASSERT_TRUE(writeFileDurably(secretFile(config, "smtp.password"), "not a DPAPI blob").ok());
  auto resolved = resolveSecret(config, "notify.smtp_password", "secret:smtp.password");
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.message().find("cannot be decrypted"), std::string::npos)
      << resolved.message();
}

TEST(SecretsTest, NamesAreChecked) {
  EXPECT_TRUE(checkSecretName("platform.password").ok());
  EXPECT_TRUE(checkSecretName("smtp_password-2").ok());
  EXPECT_FALSE(checkSecretName("").ok());
  EXPECT_FALSE(checkSecretName("..\\outside").ok());
  EXPECT_FALSE(checkSecretName("a/b").ok());
  EXPECT_FALSE(checkSecretName(std::string(65, 'a')).ok());
  TempFolder folder;
  EXPECT_FALSE(storeSecret(folder.path() / "a.conf", "..\\x", "value").ok());
  EXPECT_FALSE(storeSecret(folder.path() / "a.conf", "platform.password", "").ok());
}

}  // namespace
}  // namespace alur::windows
