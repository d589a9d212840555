#include "asset/mesh.h"

#include <cmath>

namespace atlas {

std::size_t Mesh::vertex_count() const {
  std::size_t count = 0;
  for (const Primitive& p : primitives) count += p.positions.size();
  return count;
}

std::size_t Mesh::triangle_count() const {
  std::size_t count = 0;
  for (const Primitive& p : primitives) count += p.triangle_count();
  return count;
}

Bounds Mesh::bounds() const {
  Bounds b;
  for (const Primitive& p : primitives) {
    for (const Vec3& v : p.positions) b.extend(v);
  }
  return b;
}

namespace {

bool texture_ok(const TextureRef& ref, std::size_t images) {
  return ref.image < 0 || static_cast<std::size_t>(ref.image) < images;
}

}  // namespace

std::string Mesh::validate() const {
  for (std::size_t i = 0; i < primitives.size(); ++i) {
    const Primitive& p = primitives[i];
    const std::string where = "primitive " + std::to_string(i) + ": ";
    const std::size_t n = p.positions.size();
    auto optional_ok = [n](std::size_t size) { return size == 0 || size == n; };
    if (!optional_ok(p.normals.size()) || !optional_ok(p.tangents.size()) ||
        !optional_ok(p.uv0.size()) || !optional_ok(p.uv1.size()) || !optional_ok(p.colors.size())) {
      return where + "an attribute's length differs from the vertex count";
    }
    for (std::size_t v = 0; v < n; ++v) {
      const Vec3 q = p.positions[v];
      if (!std::isfinite(q.x) || !std::isfinite(q.y) || !std::isfinite(q.z)) {
        return where + "vertex " + std::to_string(v) + " position is not finite";
      }
    }
    if (p.indices.size() % 3 != 0) return where + "index count is not a multiple of 3";
    for (std::uint32_t index : p.indices) {
      if (index >= n) return where + "index " + std::to_string(index) + " out of range";
    }
    if (p.material >= static_cast<int>(materials.size())) return where + "material out of range";
  }
  for (const Material& m : materials) {
    for (const TextureRef* ref : {&m.base_color_texture, &m.metallic_roughness_texture,
                                  &m.normal_texture, &m.occlusion_texture, &m.emissive_texture}) {
      if (!texture_ok(*ref, images.size())) return "material '" + m.name + "': image out of range";
    }
  }
  return {};
}

}  // namespace atlas
