// What signs and paces webhook deliveries: HMAC-SHA256 against RFC 4231's known
// answers, the Atlas-Signature header, and the retry schedule.

#include <gtest/gtest.h>

#include "core/sha256.h"
#include "service/webhook_dispatcher.h"

namespace atlas::service {
namespace {

std::string unhex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

TEST(WebhookSignature, HmacSha256MatchesRfc4231) {
  // Test case 1: a 20-byte key of 0x0b, "Hi There".
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block, "Jefe".
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block (131 bytes of 0xaa) is hashed first.
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Test case 4: binary key and data.
  EXPECT_EQ(hmac_sha256_hex(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                            std::string(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(WebhookSignature, TheHeaderSignsTimestampDotBody) {
  const std::string body = R"({"id":"whd_01","type":"job.state"})";
  const std::string header = webhook_signature("whsec_test", 1700000000, body);
  EXPECT_EQ(header, "t=1700000000,v1=" + hmac_sha256_hex("whsec_test", "1700000000." + body));
  EXPECT_NE(header, webhook_signature("whsec_test", 1700000001, body));
  EXPECT_NE(header, webhook_signature("whsec_other", 1700000000, body));
}

TEST(WebhookSignature, RetriesBackOffExponentiallyWithJitterUpToTheCap) {
  WebhookOptions options;
  options.backoff_base = std::chrono::milliseconds(1000);
  options.backoff_cap = std::chrono::milliseconds(10'000);
  // No jitter at 0; a quarter less at most.
  EXPECT_EQ(webhook_retry_delay_ms(1, options, 0.0), 1000);
  EXPECT_EQ(webhook_retry_delay_ms(2, options, 0.0), 2000);
  EXPECT_EQ(webhook_retry_delay_ms(3, options, 0.0), 4000);
  EXPECT_EQ(webhook_retry_delay_ms(4, options, 0.0), 8000);
  EXPECT_EQ(webhook_retry_delay_ms(5, options, 0.0), 10'000);
  EXPECT_EQ(webhook_retry_delay_ms(60, options, 0.0), 10'000);
  EXPECT_EQ(webhook_retry_delay_ms(1, options, 0.999), 751);
  // Each wait is longer than the one before, whatever the jitter.
  for (int n = 1; n < 4; ++n)
    EXPECT_GT(webhook_retry_delay_ms(n + 1, options, 0.999),
              webhook_retry_delay_ms(n, options, 0.0));
}

}  // namespace
}  // namespace atlas::service
