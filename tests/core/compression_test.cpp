#include "core/compression.h"

#include <gtest/gtest.h>

namespace atlas {
namespace {

Bytes sample(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>((i * 31) ^ (i >> 7));
  return bytes;
}

TEST(Compression, GzipRoundTrip) {
  const Bytes raw = sample(300000);
  const Bytes packed = gzip_compress(raw);
  EXPECT_EQ(detect_compression(packed), Compression::Gzip);
  auto unpacked = gunzip(packed, raw.size());
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message;
  EXPECT_EQ(*unpacked, raw);
}

TEST(Compression, ZstdRoundTrip) {
  const Bytes raw = sample(300000);
  const Bytes packed = zstd_compress(raw);
  EXPECT_EQ(detect_compression(packed), Compression::Zstd);
  auto unpacked = zstd_decompress(packed, raw.size());
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message;
  EXPECT_EQ(*unpacked, raw);
}

TEST(Compression, InflatingBeyondTheCapIsRefused) {
  const Bytes zeros(10 << 20);  // 10 MiB of zeros compress to a few kB
  for (const Bytes& packed : {gzip_compress(zeros), zstd_compress(zeros)}) {
    ASSERT_LT(packed.size(), 64u << 10);
    auto result = decompress_any(packed, 1 << 20);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("exceeds the limit"), std::string::npos)
        << result.error().message;
  }
}

TEST(Compression, TruncatedStreamsAreRefused) {
  const Bytes raw = sample(100000);
  for (Bytes packed : {gzip_compress(raw), zstd_compress(raw)}) {
    packed.resize(packed.size() / 2);
    auto result = decompress_any(packed, 1 << 30);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("truncated"), std::string::npos)
        << result.error().message;
  }
}

TEST(Compression, CorruptStreamsAreRefused) {
  const Bytes raw = sample(100000);
  for (Bytes packed : {gzip_compress(raw), zstd_compress(raw)}) {
    for (std::size_t i = 20; i < packed.size(); i += 7) packed[i] ^= 0x5a;
    EXPECT_FALSE(decompress_any(packed, 1 << 30).ok());
  }
}

}  // namespace
}  // namespace atlas
