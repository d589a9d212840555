// 3DGS PLY splats and 404's base64-wrapped variant.

#include <array>
#include <cmath>
#include <string>

#include "core/base64.h"
#include "formats/ply_parser.h"
#include "formats/splat_formats.h"

namespace atlas {

namespace {

static_assert(sizeof(Vec3) == 3 * sizeof(float) && sizeof(Quat) == 4 * sizeof(float),
              "the PLY reader writes vector components through float strides");

float* floats(std::vector<Vec3>& values) { return reinterpret_cast<float*>(values.data()); }
float* floats(std::vector<Quat>& values) { return reinterpret_cast<float*>(values.data()); }

std::string rest_name(int index) { return "f_rest_" + std::to_string(index); }

// The SH degree the f_rest_* properties imply; fails unless they are f_rest_0..N-1 with
// N one of 0, 9, 24, 45.
Result<int> sh_degree_of(const ply::Element& vertex) {
  int declared = 0;
  for (const ply::Property& property : vertex.properties) {
    declared += property.name.starts_with("f_rest_");
  }
  int consecutive = 0;
  while (consecutive < declared && vertex.find(rest_name(consecutive)) >= 0) ++consecutive;
  for (int degree = 0; degree <= 3; ++degree) {
    if (declared == consecutive && declared == 3 * sh_rest_coefficients(degree)) return degree;
  }
  return make_error("PLY vertex has " + std::to_string(declared) +
                    " f_rest properties; expected f_rest_0.. with 0, 9, 24 or 45 of them");
}

}  // namespace

Result<SplatCloud> decode_ply_splats(ByteView bytes, FormatDetails* details) {
  auto opened = ply::open_vertices(bytes, "splats");
  if (!opened) return opened.error();
  const ply::Reader& reader = opened->reader;
  const ply::Element& vertex = opened->vertex();

  constexpr std::array<const char*, 14> kRequired{
      "x",       "y",       "z",       "f_dc_0", "f_dc_1", "f_dc_2", "opacity",
      "scale_0", "scale_1", "scale_2", "rot_0",  "rot_1",  "rot_2",  "rot_3"};
  std::array<int, kRequired.size()> required{};
  for (std::size_t i = 0; i < kRequired.size(); ++i) {
    required[i] = vertex.find(kRequired[i]);
    if (required[i] < 0)
      return make_error(std::string("PLY vertex is missing property '") + kRequired[i] + "'");
    if (vertex.properties[required[i]].is_list) {
      return make_error(std::string("PLY property '") + kRequired[i] + "' is a list");
    }
  }
  auto degree = sh_degree_of(vertex);
  if (!degree) return degree.error();

  SplatCloud cloud;
  cloud.sh_degree = *degree;
  cloud.resize(static_cast<std::size_t>(vertex.count));

  std::vector<ply::ColumnTarget> targets;
  const auto add = [&](int property, float* destination, std::size_t stride) {
    targets.push_back({property, destination, stride});
  };
  for (int axis = 0; axis < 3; ++axis) {
    add(required[axis], floats(cloud.positions) + axis, 3);
    add(required[3 + axis], floats(cloud.sh_dc) + axis, 3);
    add(required[7 + axis], floats(cloud.log_scales) + axis, 3);
  }
  add(required[6], cloud.opacity_logits.data(), 1);
  for (int component = 0; component < 4; ++component) {
    add(required[10 + component], floats(cloud.rotations) + component, 4);
  }
  // 3DGS stores f_rest channel-major (all of red's coefficients, then green, then blue);
  // the cloud keeps each coefficient's three channels together.
  const int coefficients = sh_rest_coefficients(cloud.sh_degree);
  for (int index = 0; index < 3 * coefficients; ++index) {
    const int channel = index / coefficients;
    const int coefficient = index % coefficients;
    const int property = vertex.find(rest_name(index));
    if (vertex.properties[property].is_list)
      return make_error("PLY property '" + rest_name(index) + "' is a list");
    add(property, cloud.sh_rest.data() + coefficient * 3 + channel,
        static_cast<std::size_t>(coefficients) * 3);
  }
  if (auto status = reader.read_columns(opened->element_index, targets); !status)
    return status.error();

  if (std::string problem = cloud.validate(); !problem.empty()) return make_error("PLY " + problem);
  // Quaternions already unit to float precision are kept bit for bit, so writing and
  // reading a file again gives back identical values.
  for (Quat& q : cloud.rotations) {
    const float norm_squared = q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z;
    if (std::fabs(norm_squared - 1.0f) > 1e-6f) q = normalized(q);
  }

  if (details) {
    details->format = Format::PlySplats;
    details->description = std::string("PLY ") + reader.encoding_name() + ", SH degree " +
                           std::to_string(cloud.sh_degree);
  }
  return cloud;
}

Bytes encode_ply_splats(const SplatCloud& cloud, PlyEncoding encoding) {
  const ply::Encoding ply_encoding = encoding == PlyEncoding::Ascii ? ply::Encoding::Ascii
                                     : encoding == PlyEncoding::BinaryBigEndian
                                         ? ply::Encoding::BinaryBigEndian
                                         : ply::Encoding::BinaryLittleEndian;
  const int coefficients = sh_rest_coefficients(cloud.sh_degree);
  ply::Writer writer(ply_encoding);
  writer.element("vertex", cloud.size());
  for (const char* name : {"x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"}) {
    writer.property(ply::ScalarType::Float32, name);
  }
  for (int index = 0; index < 3 * coefficients; ++index) {
    writer.property(ply::ScalarType::Float32, rest_name(index));
  }
  for (const char* name :
       {"opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"}) {
    writer.property(ply::ScalarType::Float32, name);
  }
  writer.end_header();

  // 17 fixed floats plus up to 45 SH coefficients a row.
  std::array<float, 17 + 45> row{};
  const std::size_t row_size = 17 + 3 * static_cast<std::size_t>(coefficients);
  writer.reserve(cloud.size() * row_size * sizeof(float));
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Vec3 p = cloud.positions[i];
    const Vec3 dc = cloud.sh_dc[i];
    std::size_t n = 0;
    for (float value : {p.x, p.y, p.z, 0.0f, 0.0f, 0.0f, dc.x, dc.y, dc.z}) row[n++] = value;
    const float* rest = cloud.sh_rest.data() + i * coefficients * 3;
    for (int channel = 0; channel < 3; ++channel) {
      for (int coefficient = 0; coefficient < coefficients; ++coefficient) {
        row[n++] = rest[coefficient * 3 + channel];
      }
    }
    const Vec3 s = cloud.log_scales[i];
    const Quat q = cloud.rotations[i];
    for (float value : {cloud.opacity_logits[i], s.x, s.y, s.z, q.w, q.x, q.y, q.z})
      row[n++] = value;
    writer.float_row(std::span<const float>(row.data(), row_size));
  }
  return writer.finish();
}

Result<SplatCloud> decode_base64_ply_splats(ByteView text, FormatDetails* details) {
  auto decoded = base64_decode(text, kMaxDecompressedBytes);
  if (!decoded) return decoded.error();
  auto cloud = decode_ply_splats(*decoded, details);
  if (!cloud) return with_context("base64 PLY", cloud.error());
  if (details) {
    details->format = Format::Base64PlySplats;
    details->description = "base64 " + details->description;
  }
  return cloud;
}

}  // namespace atlas
