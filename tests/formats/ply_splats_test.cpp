#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/base64.h"
#include "formats/ply_parser.h"
#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes concat(std::string_view header, const Bytes& body) {
  Bytes bytes = to_bytes(header);
  bytes.insert(bytes.end(), body.begin(), body.end());
  return bytes;
}

// The body offset of a real file and a float at (row, column) of its fixed-size rows.
struct RawPly {
  Bytes bytes;
  std::size_t body = 0;
  std::size_t columns = 0;

  explicit RawPly(const std::string& name, std::size_t column_count)
      : bytes(test::must_read(test::testdata(name))), columns(column_count) {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    body = text.find("end_header\n") + 11;
  }
  float at(std::size_t row, std::size_t column) const {
    float value;
    std::memcpy(&value, bytes.data() + body + (row * columns + column) * 4, 4);
    return value;
  }
};

std::string decode_error(const Bytes& bytes) {
  auto result = decode_ply_splats(bytes);
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string() : result.error().message;
}

void expect_plausible(const SplatCloud& cloud, float bound) {
  const Bounds b = cloud.bounds();
  for (float v : {b.min.x, b.min.y, b.min.z}) EXPECT_GT(v, -bound);
  for (float v : {b.max.x, b.max.y, b.max.z}) EXPECT_LT(v, bound);
  for (const Quat& q : cloud.rotations) {
    ASSERT_NEAR(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z, 1.0f, 1e-5f);
  }
}

TEST(PlySplats, Hamburger) {
  const RawPly raw("splats/404-hamburger.ply", 14);
  FormatDetails details;
  auto cloud = decode_ply_splats(raw.bytes, &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), 52709u);
  EXPECT_EQ(cloud->sh_degree, 0);
  EXPECT_TRUE(cloud->sh_rest.empty());
  EXPECT_EQ(details.format, Format::PlySplats);
  EXPECT_EQ(details.description, "PLY binary little-endian, SH degree 0");
  expect_plausible(*cloud, 0.6f);
  for (std::size_t i : {std::size_t{0}, std::size_t{1234}, std::size_t{52708}}) {
    EXPECT_EQ(cloud->positions[i], (Vec3{raw.at(i, 0), raw.at(i, 1), raw.at(i, 2)}));
    EXPECT_EQ(cloud->sh_dc[i], (Vec3{raw.at(i, 3), raw.at(i, 4), raw.at(i, 5)}));
    EXPECT_EQ(cloud->opacity_logits[i], raw.at(i, 6));
    EXPECT_EQ(cloud->log_scales[i], (Vec3{raw.at(i, 7), raw.at(i, 8), raw.at(i, 9)}));
    const Quat expected = normalized({raw.at(i, 10), raw.at(i, 11), raw.at(i, 12), raw.at(i, 13)});
    EXPECT_NEAR(cloud->rotations[i].w, expected.w, 1e-6f);
    EXPECT_NEAR(cloud->rotations[i].x, expected.x, 1e-6f);
    EXPECT_NEAR(cloud->rotations[i].y, expected.y, 1e-6f);
    EXPECT_NEAR(cloud->rotations[i].z, expected.z, 1e-6f);
  }
}

TEST(PlySplats, Monkey) {
  const RawPly raw("splats/404-monkey.ply", 14);
  auto cloud = decode_ply_splats(raw.bytes);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), 36295u);
  EXPECT_EQ(cloud->sh_degree, 0);
  expect_plausible(*cloud, 0.6f);
  EXPECT_EQ(cloud->positions[100], (Vec3{raw.at(100, 0), raw.at(100, 1), raw.at(100, 2)}));
  EXPECT_EQ(cloud->opacity_logits[36294], raw.at(36294, 6));
}

TEST(PlySplats, DreamGaussianBlobWithNormals) {
  const RawPly raw("splats/404-dreamgaussian-blob.ply", 17);
  auto cloud = decode_ply_splats(raw.bytes);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), 49744u);
  EXPECT_EQ(cloud->sh_degree, 0);
  // DreamGaussian left floaters out to the unit cube; 97 % of splats sit within +-0.6.
  expect_plausible(*cloud, 1.05f);
  const auto inside = std::count_if(cloud->positions.begin(), cloud->positions.end(), [](Vec3 p) {
    return std::fmax(std::fabs(p.x), std::fmax(std::fabs(p.y), std::fabs(p.z))) < 0.6f;
  });
  EXPECT_GT(inside, 48000);
  for (std::size_t i : {std::size_t{7}, std::size_t{49743}}) {
    EXPECT_EQ(cloud->positions[i], (Vec3{raw.at(i, 0), raw.at(i, 1), raw.at(i, 2)}));
    EXPECT_EQ(cloud->sh_dc[i], (Vec3{raw.at(i, 6), raw.at(i, 7), raw.at(i, 8)}));
    EXPECT_EQ(cloud->opacity_logits[i], raw.at(i, 9));
    EXPECT_EQ(cloud->log_scales[i], (Vec3{raw.at(i, 10), raw.at(i, 11), raw.at(i, 12)}));
  }
}

TEST(PlySplats, TrainSh3ReordersRestCoefficients) {
  const RawPly raw("splats/train-1000-sh3.ply", 62);
  FormatDetails details;
  auto cloud = decode_ply_splats(raw.bytes, &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), 1000u);
  EXPECT_EQ(cloud->sh_degree, 3);
  EXPECT_EQ(details.description, "PLY binary little-endian, SH degree 3");
  ASSERT_EQ(cloud->sh_rest.size(), 1000u * 45);
  expect_plausible(*cloud, 1000.0f);
  for (std::size_t i : {std::size_t{0}, std::size_t{500}, std::size_t{999}}) {
    EXPECT_EQ(cloud->positions[i], (Vec3{raw.at(i, 0), raw.at(i, 1), raw.at(i, 2)}));
    EXPECT_EQ(cloud->sh_dc[i], (Vec3{raw.at(i, 6), raw.at(i, 7), raw.at(i, 8)}));
    for (std::size_t channel = 0; channel < 3; ++channel) {
      for (std::size_t k = 0; k < 15; ++k) {
        // File: f_rest_(channel * 15 + k); model: [coefficient][channel].
        ASSERT_EQ(cloud->sh_rest[(i * 15 + k) * 3 + channel], raw.at(i, 9 + channel * 15 + k))
            << "splat " << i << " channel " << channel << " coefficient " << k;
      }
    }
    EXPECT_EQ(cloud->opacity_logits[i], raw.at(i, 54));
    EXPECT_EQ(cloud->log_scales[i], (Vec3{raw.at(i, 55), raw.at(i, 56), raw.at(i, 57)}));
  }
}

TEST(PlySplats, Base64LegacyPayload) {
  const Bytes text = test::must_read(test::testdata("splats/404-monkey.base64.ply"));
  FormatDetails details;
  auto cloud = decode_base64_ply_splats(text, &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), 36039u);
  EXPECT_EQ(cloud->sh_degree, 0);
  EXPECT_EQ(details.format, Format::Base64PlySplats);
  EXPECT_EQ(details.description, "base64 PLY binary little-endian, SH degree 0");
  expect_plausible(*cloud, 0.6f);

  // Line-wrapped the way e-mail and JSON payloads wrap it: the same splats.
  std::string wrapped;
  for (std::size_t i = 0; i < text.size(); i += 76) {
    wrapped.append(reinterpret_cast<const char*>(text.data()) + i,
                   std::min<std::size_t>(76, text.size() - i));
    wrapped += "\r\n";
  }
  auto again = decode_base64_ply_splats(to_bytes(wrapped));
  ASSERT_TRUE(again.ok()) << again.error().message;
  test::expect_identical(*cloud, *again);

  auto broken = decode_base64_ply_splats(to_bytes("cGx5Cm$$"));
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("invalid character"), std::string::npos)
      << broken.error().message;
  auto not_ply = decode_base64_ply_splats(to_bytes(base64_encode(to_bytes("hello world"))));
  ASSERT_FALSE(not_ply.ok());
  EXPECT_NE(not_ply.error().message.find("base64 PLY: not a PLY"), std::string::npos)
      << not_ply.error().message;
}

class PlySplatRoundTrip : public ::testing::TestWithParam<std::tuple<const char*, PlyEncoding>> {};

TEST_P(PlySplatRoundTrip, WriteThenReadGivesIdenticalValues) {
  const auto [name, encoding] = GetParam();
  auto original = decode_ply_splats(test::must_read(test::testdata(std::string("splats/") + name)));
  ASSERT_TRUE(original.ok()) << original.error().message;
  const Bytes written = encode_ply_splats(*original, encoding);
  FormatDetails details;
  auto reread = decode_ply_splats(written, &details);
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  // ASCII is printed with the shortest text that reads back as the same float, so it
  // round-trips exactly too.
  test::expect_identical(*original, *reread);
  const char* expected = encoding == PlyEncoding::Ascii             ? "PLY ASCII"
                         : encoding == PlyEncoding::BinaryBigEndian ? "PLY binary big-endian"
                                                                    : "PLY binary little-endian";
  EXPECT_TRUE(details.description.starts_with(expected)) << details.description;
  // The standard layout: normals present (zero), f_rest before opacity.
  const std::string_view text(reinterpret_cast<const char*>(written.data()),
                              std::min<std::size_t>(written.size(), 4000));
  EXPECT_LT(text.find("property float nz\nproperty float f_dc_0"),
            text.find("property float opacity"));
  EXPECT_NE(text.find("property float rot_3\nend_header\n"), std::string_view::npos);
  // Re-encoding is stable byte for byte.
  EXPECT_EQ(encode_ply_splats(*reread, encoding), written);
}

INSTANTIATE_TEST_SUITE_P(
    RealFiles, PlySplatRoundTrip,
    ::testing::Combine(::testing::Values("train-1000-sh3.ply", "404-hamburger.ply"),
                       ::testing::Values(PlyEncoding::BinaryLittleEndian,
                                         PlyEncoding::BinaryBigEndian, PlyEncoding::Ascii)));

TEST(PlySplats, BinaryLayoutMatchesThe404Files) {
  const Bytes original = test::must_read(test::testdata("splats/404-monkey.ply"));
  auto cloud = decode_ply_splats(original);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  const Bytes written = encode_ply_splats(*cloud);
  // 3 extra normal floats a splat, otherwise the same 56-byte rows.
  const std::size_t header =
      std::string_view(reinterpret_cast<const char*>(written.data()), 1000).find("end_header\n") +
      11;
  EXPECT_EQ(written.size() - header, cloud->size() * 17 * 4);
}

const char* kSplatProperties =
    "property float x\nproperty float y\nproperty float z\nproperty float f_dc_0\n"
    "property float f_dc_1\nproperty float f_dc_2\nproperty float opacity\nproperty float scale_0\n"
    "property float scale_1\nproperty float scale_2\nproperty float rot_0\nproperty float rot_1\n"
    "property float rot_2\nproperty float rot_3\n";

TEST(PlySplats, AnyOrderAnyTypeAsciiCrLfCommentsAndExtraElements) {
  const std::string text =
      "ply\r\nformat ascii 1.0\r\ncomment made by hand\r\nobj_info generator test\r\n"
      "element camera 1\r\nproperty list uchar float view\r\n"
      "element vertex 2\r\n"
      "property uint8 f_dc_2\r\nproperty double x\r\nproperty int16 y\r\nproperty float32 z\r\n"
      "property char f_dc_0\r\nproperty ushort f_dc_1\r\nproperty float64 opacity\r\nproperty int "
      "scale_0\r\n"
      "property uint scale_1\r\nproperty float scale_2\r\nproperty float rot_3\r\nproperty float "
      "rot_2\r\n"
      "property float rot_1\r\nproperty float rot_0\r\nproperty float nx\r\nproperty uchar "
      "confidence\r\n"
      "end_header\r\n"
      "3 1.5 2.5 3.5\r\n"
      "200 0.25 -3 +1e-1 -7 65535 2.5 -4 4000000000 -1.5 0 0 0 2 0.5 9\r\n"
      "0 -0.125 0 0 0 0 0 0 0 0 1 0 0 0 0 0\r\n";
  auto reader = ply::Reader::open(to_bytes(text));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->header().comments,
            (std::vector<std::string>{"made by hand", "generator test"}));
  FormatDetails details;
  auto cloud = decode_ply_splats(to_bytes(text), &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(details.description, "PLY ASCII, SH degree 0");
  ASSERT_EQ(cloud->size(), 2u);
  EXPECT_EQ(cloud->positions[0], (Vec3{0.25f, -3.0f, 0.1f}));
  EXPECT_EQ(cloud->sh_dc[0], (Vec3{-7.0f, 65535.0f, 200.0f}));
  EXPECT_EQ(cloud->opacity_logits[0], 2.5f);
  EXPECT_EQ(cloud->log_scales[0], (Vec3{-4.0f, 4e9f, -1.5f}));
  EXPECT_EQ(cloud->rotations[0].w, 1.0f);  // (rot_0 = 2) normalised
  EXPECT_EQ(cloud->rotations[0].x, 0.0f);
  EXPECT_EQ(cloud->rotations[1].z, 1.0f);  // rot_3 declared first
  EXPECT_EQ(cloud->positions[1].x, -0.125f);

  // The same layout in big-endian binary.
  ply::Writer writer(ply::Encoding::BinaryBigEndian);
  writer.element("vertex", 1);
  const std::pair<ply::ScalarType, const char*> layout[] = {
      {ply::ScalarType::Float64, "x"},       {ply::ScalarType::Int16, "y"},
      {ply::ScalarType::UInt16, "z"},        {ply::ScalarType::Int8, "f_dc_0"},
      {ply::ScalarType::UInt8, "f_dc_1"},    {ply::ScalarType::Int32, "f_dc_2"},
      {ply::ScalarType::UInt32, "opacity"},  {ply::ScalarType::Float32, "scale_0"},
      {ply::ScalarType::Float32, "scale_1"}, {ply::ScalarType::Float32, "scale_2"},
      {ply::ScalarType::Float32, "rot_0"},   {ply::ScalarType::Float32, "rot_1"},
      {ply::ScalarType::Float32, "rot_2"},   {ply::ScalarType::Float32, "rot_3"}};
  for (const auto& [type, name] : layout) writer.property(type, name);
  writer.end_header();
  const double values[] = {-0.375, -300, 65000, -128, 255, -70000, 4000000000.0,
                           1,      2,    3,     0,    0,   3,      4};
  for (std::size_t i = 0; i < std::size(values); ++i) writer.value(layout[i].first, values[i]);
  writer.end_row();
  auto big = decode_ply_splats(writer.finish(), &details);
  ASSERT_TRUE(big.ok()) << big.error().message;
  EXPECT_EQ(details.description, "PLY binary big-endian, SH degree 0");
  EXPECT_EQ(big->positions[0], (Vec3{-0.375f, -300.0f, 65000.0f}));
  EXPECT_EQ(big->sh_dc[0], (Vec3{-128.0f, 255.0f, -70000.0f}));
  EXPECT_EQ(big->opacity_logits[0], 4e9f);
  EXPECT_FLOAT_EQ(big->rotations[0].y, 0.6f);
  EXPECT_FLOAT_EQ(big->rotations[0].z, 0.8f);
}

TEST(PlySplats, TruncatedBinaryBodyIsRefused) {
  Bytes bytes = test::must_read(test::testdata("splats/404-hamburger.ply"));
  bytes.resize(bytes.size() / 2);
  const std::string message = decode_error(bytes);
  EXPECT_NE(message.find("'vertex' declares 52709 rows"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(PlySplats, HugeCountWithTinyBodyFailsFast) {
  const Bytes bytes =
      concat(std::string("ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\n") +
                 kSplatProperties + "end_header\n",
             Bytes(100, 0));
  const std::string message = decode_error(bytes);
  EXPECT_NE(message.find("declares 4000000000 rows"), std::string::npos) << message;
  // The same in ASCII: the count is checked before any row is walked.
  const std::string ascii =
      std::string("ply\nformat ascii 1.0\nelement vertex 18446744073709551615\n") +
      kSplatProperties + "end_header\n0 0 0\n";
  EXPECT_NE(decode_error(to_bytes(ascii)).find("rows but the file has only"), std::string::npos);
}

TEST(PlySplats, ListRunningPastTheEndIsRefused) {
  Bytes body(56, 0);
  body.push_back(255);  // a list of 255 ints with 8 bytes behind it
  body.insert(body.end(), 8, 0);
  const Bytes bytes = concat(
      std::string("ply\nformat binary_little_endian 1.0\nelement vertex 1\n") + kSplatProperties +
          "element face 1\nproperty list uchar int vertex_indices\nend_header\n",
      body);
  const std::string message = decode_error(bytes);
  EXPECT_NE(message.find("'face' row 0: data ends early"), std::string::npos) << message;
}

TEST(PlySplats, AsciiWithTooFewValuesIsRefused) {
  const std::string text = std::string("ply\nformat ascii 1.0\nelement vertex 2\n") +
                           kSplatProperties +
                           "end_header\n0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 0.0 0.0 0.0\n"
                           "0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 0.0 0.0\n";
  const std::string message = decode_error(to_bytes(text));
  EXPECT_NE(message.find("row 1: too few values"), std::string::npos) << message;
  const std::string garbage = std::string("ply\nformat ascii 1.0\nelement vertex 1\n") +
                              kSplatProperties + "end_header\n0 0 zero 0 0 0 0 0 0 0 1 0 0 0\n";
  EXPECT_NE(decode_error(to_bytes(garbage)).find("property 'z' is not a number: 'zero'"),
            std::string::npos);
}

TEST(PlySplats, NanPositionNamesTheSplat) {
  Bytes bytes = test::must_read(test::testdata("splats/404-hamburger.ply"));
  const std::size_t body =
      std::string_view(reinterpret_cast<const char*>(bytes.data()), 1000).find("end_header\n") + 11;
  const float nan = std::nanf("");
  std::memcpy(bytes.data() + body + 17 * 56 + 4, &nan, 4);
  const std::string message = decode_error(bytes);
  EXPECT_NE(message.find("splat 17: position is not finite"), std::string::npos) << message;
  const float infinity = INFINITY;
  std::memcpy(bytes.data() + body + 17 * 56 + 4, &infinity, 4);
  EXPECT_NE(decode_error(bytes).find("splat 17"), std::string::npos);
}

TEST(PlySplats, MalformedHeadersAreRefused) {
  const std::string vertex = "element vertex 1\n";
  const Bytes body(64, 0);
  const auto message_of = [&](const std::string& header) {
    return decode_error(concat(header, body));
  };

  EXPECT_NE(message_of("plx\nformat binary_little_endian 1.0\n" + vertex + kSplatProperties +
                       "end_header\n")
                .find("not a PLY file"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\nelement point 1\n" +
                       std::string(kSplatProperties) + "end_header\n")
                .find("no 'vertex' element"),
            std::string::npos);
  std::string without_opacity = kSplatProperties;
  without_opacity.erase(without_opacity.find("property float opacity\n"), 23);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\n" + vertex + without_opacity +
                       "end_header\n")
                .find("missing property 'opacity'"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\nelement vertex 0\n" +
                       std::string(kSplatProperties) + "end_header\n")
                .find("zero splats"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\n" + vertex +
                       "property float128 x\nend_header\n")
                .find("unknown PLY property type 'float128'"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\n" + vertex + kSplatProperties)
                .find("no end_header"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_middle_endian 1.0\n" + vertex + kSplatProperties +
                       "end_header\n")
                .find("unknown PLY format"),
            std::string::npos);
  EXPECT_NE(message_of("ply\n" + vertex + kSplatProperties + "end_header\n").find("no format line"),
            std::string::npos);
  EXPECT_NE(message_of("ply\nformat binary_little_endian 1.0\n" + vertex + kSplatProperties +
                       "property float f_rest_0\nend_header\n")
                .find("1 f_rest properties"),
            std::string::npos);

  std::string long_header = "ply\nformat binary_little_endian 1.0\n" + vertex + kSplatProperties;
  while (long_header.size() < ply::kMaxHeaderBytes + 100)
    long_header += "comment padding padding padding\n";
  EXPECT_NE(message_of(long_header + "end_header\n").find("longer than 64 KiB"), std::string::npos);
  EXPECT_NE(message_of(long_header).find("longer than 64 KiB"), std::string::npos);
}

}  // namespace
}  // namespace atlas
