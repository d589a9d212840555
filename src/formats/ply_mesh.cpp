// Polygon PLY meshes: one vertex element, an optional face element of index lists.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "formats/mesh_formats.h"
#include "formats/ply_parser.h"

namespace atlas {

namespace {

static_assert(sizeof(Vec2) == 2 * sizeof(float) && sizeof(Vec3) == 3 * sizeof(float) &&
                  sizeof(Vec4) == 4 * sizeof(float),
              "the PLY reader writes vector components through float strides");

template <typename V>
float* floats(std::vector<V>& values) {
  return reinterpret_cast<float*>(values.data());
}

// Indices of the named properties when every one of them is a scalar of the element;
// empty otherwise.
template <std::size_t N>
std::vector<int> find_all(const ply::Element& element, const std::array<const char*, N>& names) {
  std::vector<int> found;
  for (const char* name : names) {
    const int index = element.find(name);
    if (index < 0 || element.properties[index].is_list) return {};
    found.push_back(index);
  }
  return found;
}

// Integer colour channels span their type's range; float channels are already 0..1.
float colour_range(ply::ScalarType type) {
  switch (type) {
    case ply::ScalarType::UInt8:
      return 255.0f;
    case ply::ScalarType::UInt16:
      return 65535.0f;
    case ply::ScalarType::Int8:
      return 127.0f;
    case ply::ScalarType::Int16:
      return 32767.0f;
    case ply::ScalarType::Int32:
      return 2147483647.0f;
    case ply::ScalarType::UInt32:
      return 4294967295.0f;
    default:
      return 1.0f;
  }
}

bool all_finite(const float* values, std::size_t count) {
  return std::all_of(values, values + count, [](float v) { return std::isfinite(v); });
}

Status read_faces(const ply::Reader& reader, std::size_t vertex_count, Primitive& primitive) {
  const ply::Header& header = reader.header();
  const int face_index = header.find("face");
  if (face_index < 0) return Ok{};
  const ply::Element& face = header.elements[face_index];
  int list = face.find("vertex_indices");
  if (list < 0) list = face.find("vertex_index");
  if (list < 0 || !face.properties[list].is_list) {
    if (face.count == 0) return Ok{};
    return make_error("PLY face element has no vertex_indices list");
  }
  std::vector<std::uint32_t> lengths;
  std::vector<std::uint32_t> items;
  if (auto status = reader.read_list(face_index, list, lengths, items); !status) return status;
  std::size_t triangles = 0;
  for (std::uint32_t length : lengths) triangles += length >= 3 ? length - 2 : 0;
  primitive.indices.reserve(triangles * 3);
  std::size_t first = 0;
  for (std::size_t f = 0; f < lengths.size(); ++f) {
    const std::uint32_t length = lengths[f];
    for (std::size_t k = first; k < first + length; ++k) {
      if (items[k] >= vertex_count) {
        return make_error("PLY face " + std::to_string(f) + " refers to vertex " +
                          std::to_string(items[k]) + " but there are only " +
                          std::to_string(vertex_count));
      }
    }
    // Polygons are fanned around their first corner, which is exact for the convex
    // polygons PLY writers produce.
    for (std::uint32_t k = 1; k + 1 < length; ++k) {
      primitive.indices.insert(primitive.indices.end(),
                               {items[first], items[first + k], items[first + k + 1]});
    }
    first += length;
  }
  return Ok{};
}

}  // namespace

Result<Mesh> decode_ply_mesh(ByteView bytes, FormatDetails* details) {
  auto opened = ply::open_vertices(bytes, "vertices");
  if (!opened) return opened.error();
  const ply::Reader& reader = opened->reader;
  const ply::Element& vertex = opened->vertex();
  for (const char* name : {"x", "y", "z"}) {
    const int index = vertex.find(name);
    if (index < 0) return make_error(std::string("PLY vertex is missing property '") + name + "'");
    if (vertex.properties[index].is_list)
      return make_error(std::string("PLY property '") + name + "' is a list");
  }
  const std::size_t count = static_cast<std::size_t>(vertex.count);

  Primitive primitive;
  std::vector<ply::ColumnTarget> targets;
  primitive.positions.resize(count);
  const auto position = find_all(vertex, std::array{"x", "y", "z"});
  for (int axis = 0; axis < 3; ++axis)
    targets.push_back({position[axis], floats(primitive.positions) + axis, 3});

  if (const auto normal = find_all(vertex, std::array{"nx", "ny", "nz"}); !normal.empty()) {
    primitive.normals.resize(count);
    for (int axis = 0; axis < 3; ++axis)
      targets.push_back({normal[axis], floats(primitive.normals) + axis, 3});
  }
  for (const auto& names :
       {std::array{"s", "t"}, std::array{"u", "v"}, std::array{"texture_u", "texture_v"},
        std::array{"texture_s", "texture_t"}}) {
    const auto uv = find_all(vertex, names);
    if (uv.empty()) continue;
    primitive.uv0.resize(count);
    for (int axis = 0; axis < 2; ++axis)
      targets.push_back({uv[axis], floats(primitive.uv0) + axis, 2});
    break;
  }
  const auto colour = find_all(vertex, std::array{"red", "green", "blue"});
  const int alpha = vertex.find("alpha");
  const bool has_alpha = alpha >= 0 && !vertex.properties[alpha].is_list;
  if (!colour.empty()) {
    primitive.colors.assign(count, Vec4{1, 1, 1, 1});
    for (int channel = 0; channel < 3; ++channel) {
      targets.push_back({colour[channel], floats(primitive.colors) + channel, 4});
    }
    if (has_alpha) targets.push_back({alpha, floats(primitive.colors) + 3, 4});
  }
  if (auto status = reader.read_columns(opened->element_index, targets); !status)
    return status.error();

  // PLY texture coordinates put (0, 0) at the image's bottom-left, glTF at its top-left.
  for (Vec2& uv : primitive.uv0) uv.y = 1.0f - uv.y;
  if (!colour.empty()) {
    std::array<float, 4> ranges{1, 1, 1, 1};
    for (int channel = 0; channel < 3; ++channel) {
      ranges[channel] = colour_range(vertex.properties[colour[channel]].type);
    }
    if (has_alpha) ranges[3] = colour_range(vertex.properties[alpha].type);
    for (Vec4& c : primitive.colors)
      c = {c.x / ranges[0], c.y / ranges[1], c.z / ranges[2], c.w / ranges[3]};
  }
  const auto check = [&](const char* what, float* values, std::size_t size) -> Status {
    if (all_finite(values, size)) return Ok{};
    const std::size_t first_bad = static_cast<std::size_t>(
        std::find_if(values, values + size, [](float v) { return !std::isfinite(v); }) - values);
    const std::size_t width = size / count;
    return make_error("PLY vertex " + std::to_string(first_bad / width) + ": " + what +
                      " is not finite");
  };
  for (const auto& [what, values, size] :
       {std::tuple{"position", floats(primitive.positions), primitive.positions.size() * 3},
        std::tuple{"normal", floats(primitive.normals), primitive.normals.size() * 3},
        std::tuple{"texture coordinate", floats(primitive.uv0), primitive.uv0.size() * 2},
        std::tuple{"colour", floats(primitive.colors), primitive.colors.size() * 4}}) {
    if (auto status = check(what, values, size); !status) return status.error();
  }

  if (auto status = read_faces(reader, count, primitive); !status) return status.error();

  Mesh mesh;
  mesh.primitives.push_back(std::move(primitive));
  if (std::string problem = mesh.validate(); !problem.empty()) return make_error("PLY " + problem);
  if (details) {
    details->format = Format::PlyMesh;
    details->description = std::string("PLY ") + reader.encoding_name() + " mesh";
  }
  return mesh;
}

Bytes encode_ply_mesh(const Mesh& mesh, bool ascii) {
  std::size_t vertex_count = 0;
  std::size_t triangle_count = 0;
  bool has_normals = false;
  bool has_uv = false;
  bool has_colors = false;
  bool has_alpha = false;
  for (const Primitive& p : mesh.primitives) {
    vertex_count += p.positions.size();
    triangle_count += p.triangle_count();
    has_normals = has_normals || !p.normals.empty();
    has_uv = has_uv || !p.uv0.empty();
    has_colors = has_colors || !p.colors.empty();
    for (const Vec4& c : p.colors) has_alpha = has_alpha || c.w != 1.0f;
  }

  ply::Writer writer(ascii ? ply::Encoding::Ascii : ply::Encoding::BinaryLittleEndian);
  writer.element("vertex", vertex_count);
  for (const char* name : {"x", "y", "z"}) writer.property(ply::ScalarType::Float32, name);
  if (has_normals) {
    for (const char* name : {"nx", "ny", "nz"}) writer.property(ply::ScalarType::Float32, name);
  }
  if (has_uv) {
    for (const char* name : {"s", "t"}) writer.property(ply::ScalarType::Float32, name);
  }
  if (has_colors) {
    for (const char* name : {"red", "green", "blue"}) writer.property(ply::ScalarType::UInt8, name);
    if (has_alpha) writer.property(ply::ScalarType::UInt8, "alpha");
  }
  const ply::ScalarType index_type =
      vertex_count > std::size_t{std::numeric_limits<std::int32_t>::max()} ? ply::ScalarType::UInt32
                                                                           : ply::ScalarType::Int32;
  writer.element("face", triangle_count);
  writer.list_property(ply::ScalarType::UInt8, index_type, "vertex_indices");
  writer.end_header();

  // Primitives that lack an attribute others have get a neutral default for it.
  for (const Primitive& p : mesh.primitives) {
    for (std::size_t v = 0; v < p.positions.size(); ++v) {
      const Vec3 position = p.positions[v];
      for (float number : {position.x, position.y, position.z}) writer.float_value(number);
      if (has_normals) {
        const Vec3 normal = p.normals.empty() ? Vec3{} : p.normals[v];
        for (float number : {normal.x, normal.y, normal.z}) writer.float_value(number);
      }
      if (has_uv) {
        const Vec2 uv = p.uv0.empty() ? Vec2{} : p.uv0[v];
        writer.float_value(uv.x);
        writer.float_value(1.0f - uv.y);
      }
      if (has_colors) {
        const Vec4 c = p.colors.empty() ? Vec4{1, 1, 1, 1} : p.colors[v];
        for (float channel : {c.x, c.y, c.z})
          writer.value(ply::ScalarType::UInt8, std::clamp(channel, 0.0f, 1.0f) * 255.0);
        if (has_alpha) writer.value(ply::ScalarType::UInt8, std::clamp(c.w, 0.0f, 1.0f) * 255.0);
      }
      writer.end_row();
    }
  }
  std::size_t base = 0;
  for (const Primitive& p : mesh.primitives) {
    for (std::size_t t = 0; t + 2 < p.indices.size(); t += 3) {
      writer.value(ply::ScalarType::UInt8, 3);
      for (int k = 0; k < 3; ++k)
        writer.value(index_type, static_cast<double>(base + p.indices[t + k]));
      writer.end_row();
    }
    base += p.positions.size();
  }
  return writer.finish();
}

}  // namespace atlas
