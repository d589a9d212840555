#include "core/base64.h"
#include "core/compression.h"

#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace atlas {
namespace {

ByteView view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string decode_text(std::string_view text) {
  auto bytes = base64_decode(view(text), 1 << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(view(plain)), encoded);
    EXPECT_EQ(decode_text(encoded), plain);
  }
}

TEST(Base64, WhitespaceAndMissingPaddingAreAccepted) {
  EXPECT_EQ(decode_text("Zm9v\r\nYmFy\n"), "foobar");
  EXPECT_EQ(decode_text("  Zm 9v\tYg "), "foob");
  EXPECT_EQ(decode_text("Zm9vYmE"), "fooba");
}

TEST(Base64, AllByteValuesRoundTrip) {
  Bytes bytes(1000);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
  const std::string text = base64_encode(bytes);
  auto decoded = base64_decode(view(text), bytes.size());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, bytes);
}

TEST(Base64, RealLegacyPayloadDecodesToAPly) {
  const Bytes text = test::must_read(test::testdata("splats/404-monkey.base64.ply"));
  auto decoded = base64_decode(text, kMaxDecompressedBytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const std::string_view start(reinterpret_cast<const char*>(decoded->data()), 40);
  EXPECT_TRUE(start.starts_with("ply\nformat binary_little_endian 1.0\n")) << start;
  EXPECT_EQ(base64_encode(*decoded).size(), (decoded->size() + 2) / 3 * 4);
}

TEST(Base64, HostileTextIsRefused) {
  for (std::string_view bad : {"Zm9v!mFy", "Zm9v\x80", "Zg==Zg==", "Zm9vY"}) {
    auto result = base64_decode(view(bad), 1 << 20);
    EXPECT_FALSE(result.ok()) << bad;
  }
  EXPECT_NE(base64_decode(view("Zm9v?"), 100).error().message.find("offset 4"), std::string::npos);
}

TEST(Base64, OutputCapIsEnforcedBeforeAllocating) {
  const std::string text(4000, 'A');  // 3000 bytes
  auto capped = base64_decode(view(text), 2999);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message.find("more than 2999 bytes"), std::string::npos)
      << capped.error().message;
  auto exact = base64_decode(view(text), 3000);
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_EQ(exact->size(), 3000u);
  // Whitespace does not count toward the decoded size.
  const std::string spaced = text + std::string(1 << 16, '\n');
  EXPECT_TRUE(base64_decode(view(spaced), 3000).ok());
}

}  // namespace
}  // namespace atlas
