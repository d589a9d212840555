#include "formats/image_io.h"

#include <gtest/gtest.h>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas {
namespace {

Image gradient(int width, int height) {
  Image image(width, height, 4);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.at(x, y);
      p[0] = static_cast<std::uint8_t>(x * 255 / (width - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (height - 1));
      p[2] = 128;
      p[3] = 255;
    }
  }
  return image;
}

int max_difference(const Image& a, const Image& b) {
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i)
    worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

TEST(ImageIo, PngIsLossless) {
  const Image image = gradient(37, 19);
  const Bytes png = encode_png(image);
  EXPECT_EQ(sniff_image_mime_type(png), "image/png");
  auto decoded = decode_image(png);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->width, 37);
  EXPECT_EQ(decoded->pixels, image.pixels);
}

TEST(ImageIo, PngOfEveryChannelCountAndARealTextureIsLossless) {
  // Every filter gets used on a real photo-like texture; stb_image (a separate decoder)
  // must read back the exact bytes. The 2048² helmet albedo also checks the size stays
  // that of a normal PNG (its source file is one).
  Result<Mesh> helmet = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  ASSERT_TRUE(helmet.ok()) << helmet.error().message;
  const Image& albedo = helmet->images.at(0).pixels;
  const Bytes png = encode_png(albedo);
  Result<Image> decoded = decode_image(png, albedo.channels);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->pixels, albedo.pixels);
  EXPECT_LT(png.size(), albedo.pixels.size() / 2);

  for (int channels = 1; channels <= 4; ++channels) {
    Image image(29, 13, channels);
    for (std::size_t i = 0; i < image.pixels.size(); ++i)
      image.pixels[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
    Result<Image> back = decode_image(encode_png(image), channels);
    ASSERT_TRUE(back.ok()) << channels;
    EXPECT_EQ(back->pixels, image.pixels) << channels;
  }
  EXPECT_TRUE(encode_png(Image{}).empty());
  EXPECT_TRUE(encode_png(Image(4, 4, 5)).empty());
}

TEST(ImageIo, JpegAndWebpAreClose) {
  const Image image = gradient(64, 64);
  for (const Bytes& encoded : {encode_jpeg(image, 95), encode_webp(image, 95)}) {
    auto decoded = decode_image(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_LE(max_difference(*decoded, image), 24) << sniff_image_mime_type(encoded);
  }
}

TEST(ImageIo, ChannelConversion) {
  auto grey = decode_image(encode_png(gradient(8, 8)), 1);
  ASSERT_TRUE(grey.ok());
  EXPECT_EQ(grey->channels, 1);
  EXPECT_EQ(grey->pixels.size(), 64u);
}

TEST(ImageIo, HostileImagesAreRefused) {
  EXPECT_FALSE(decode_image(Bytes{1, 2, 3}).ok());
  Bytes png = encode_png(gradient(16, 16));
  // IHDR width at bytes 16..19 (big-endian): claim 100000 x 16 pixels.
  png[16] = 0x00, png[17] = 0x01, png[18] = 0x86, png[19] = 0xA0;
  auto huge = decode_image(png);
  ASSERT_FALSE(huge.ok());
  Bytes truncated = encode_png(gradient(64, 64));
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(decode_image(truncated).ok());
  Bytes webp = encode_webp(gradient(32, 32));
  webp.resize(webp.size() / 2);
  EXPECT_FALSE(decode_image(webp).ok());
}

}  // namespace
}  // namespace atlas
