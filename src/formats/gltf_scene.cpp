#include "formats/gltf_scene.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

namespace atlas::gltf {

namespace {

// Node instancing copies a mesh once per node, so a small file could ask for an
// enormous flattened result; this caps it (about 1.5 GB of positions and indices).
constexpr std::size_t kMaxFlattenedVertices = std::size_t{1} << 26;

// Column-major 4x4, as glTF stores node matrices.
using Matrix = std::array<double, 16>;
constexpr Matrix kIdentity = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix out{};
  for (int column = 0; column < 4; ++column) {
    for (int row = 0; row < 4; ++row) {
      double sum = 0;
      for (int k = 0; k < 4; ++k) sum += a[k * 4 + row] * b[column * 4 + k];
      out[column * 4 + row] = sum;
    }
  }
  return out;
}

Result<Matrix> local_matrix(const tinygltf::Node& node, const std::string& what) {
  auto finite = [](const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  };
  if (!node.matrix.empty()) {
    if (node.matrix.size() != 16 || !finite(node.matrix))
      return make_error(what + ": matrix must be 16 finite numbers");
    Matrix m;
    std::copy(node.matrix.begin(), node.matrix.end(), m.begin());
    return m;
  }
  if ((!node.translation.empty() && node.translation.size() != 3) ||
      (!node.rotation.empty() && node.rotation.size() != 4) ||
      (!node.scale.empty() && node.scale.size() != 3) || !finite(node.translation) ||
      !finite(node.rotation) || !finite(node.scale)) {
    return make_error(what + ": translation, rotation or scale is malformed");
  }
  const std::array<double, 3> t =
      node.translation.empty()
          ? std::array<double, 3>{0, 0, 0}
          : std::array<double, 3>{node.translation[0], node.translation[1], node.translation[2]};
  const std::array<double, 3> s =
      node.scale.empty() ? std::array<double, 3>{1, 1, 1}
                         : std::array<double, 3>{node.scale[0], node.scale[1], node.scale[2]};
  double x = 0, y = 0, z = 0, w = 1;
  if (!node.rotation.empty()) {
    x = node.rotation[0], y = node.rotation[1], z = node.rotation[2], w = node.rotation[3];
    const double n = std::sqrt(x * x + y * y + z * z + w * w);
    if (n > 0) x /= n, y /= n, z /= n, w /= n;
  }
  const double r[9] = {1 - 2 * (y * y + z * z), 2 * (x * y + z * w),     2 * (x * z - y * w),
                       2 * (x * y - z * w),     1 - 2 * (x * x + z * z), 2 * (y * z + x * w),
                       2 * (x * z + y * w),     2 * (y * z - x * w),     1 - 2 * (x * x + y * y)};
  Matrix m{};
  for (int column = 0; column < 3; ++column) {
    for (int row = 0; row < 3; ++row) m[column * 4 + row] = r[column * 3 + row] * s[column];
  }
  m[12] = t[0], m[13] = t[1], m[14] = t[2], m[15] = 1;
  return m;
}

void transform_primitive(Primitive& primitive, const Matrix& m) {
  if (m == kIdentity) return;
  for (Vec3& p : primitive.positions) {
    const double x = p.x, y = p.y, z = p.z;
    p = {float(m[0] * x + m[4] * y + m[8] * z + m[12]),
         float(m[1] * x + m[5] * y + m[9] * z + m[13]),
         float(m[2] * x + m[6] * y + m[10] * z + m[14])};
  }
  // The cofactor matrix is det * inverse-transpose: it maps normals correctly up to
  // length and sign, which normalising and the determinant's sign fix.
  const double a = m[0], b = m[4], c = m[8], d = m[1], e = m[5], f = m[9], g = m[2], h = m[6],
               k = m[10];
  const double cofactor[9] = {e * k - f * h,    -(d * k - f * g), d * h - e * g,
                              -(b * k - c * h), a * k - c * g,    -(a * h - b * g),
                              b * f - c * e,    -(a * f - c * d), a * e - b * d};
  const double det = a * cofactor[0] + b * cofactor[1] + c * cofactor[2];
  const double sign = det < 0 ? -1 : 1;
  for (Vec3& n : primitive.normals) {
    const double x = n.x, y = n.y, z = n.z;
    n = normalize(Vec3{float(sign * (cofactor[0] * x + cofactor[1] * y + cofactor[2] * z)),
                       float(sign * (cofactor[3] * x + cofactor[4] * y + cofactor[5] * z)),
                       float(sign * (cofactor[6] * x + cofactor[7] * y + cofactor[8] * z))});
  }
  for (Vec4& t : primitive.tangents) {
    const double x = t.x, y = t.y, z = t.z;
    const Vec3 v =
        normalize(Vec3{float(m[0] * x + m[4] * y + m[8] * z), float(m[1] * x + m[5] * y + m[9] * z),
                       float(m[2] * x + m[6] * y + m[10] * z)});
    t = {v.x, v.y, v.z, t.w < 0 ? float(-sign) : float(sign)};
  }
  if (det < 0) {
    for (std::size_t i = 0; i + 2 < primitive.indices.size(); i += 3) {
      std::swap(primitive.indices[i + 1], primitive.indices[i + 2]);
    }
  }
}

// Root nodes of the scene to show: the default scene, else the first, else every node
// that is nobody's child.
Result<std::vector<int>> scene_roots(const tinygltf::Model& model) {
  std::vector<int> roots;
  if (!model.scenes.empty()) {
    const int scene = model.defaultScene >= 0 ? model.defaultScene : 0;
    if (static_cast<std::size_t>(scene) >= model.scenes.size()) {
      return make_error("scene " + std::to_string(scene) + " does not exist");
    }
    roots = model.scenes[scene].nodes;
  } else {
    std::vector<bool> is_child(model.nodes.size(), false);
    for (const tinygltf::Node& node : model.nodes) {
      for (int child : node.children) {
        if (child >= 0 && static_cast<std::size_t>(child) < is_child.size()) is_child[child] = true;
      }
    }
    for (std::size_t i = 0; i < model.nodes.size(); ++i) {
      if (!is_child[i]) roots.push_back(static_cast<int>(i));
    }
  }
  return roots;
}

struct MeshInstance {
  int mesh = -1;
  Matrix world = kIdentity;
};

Result<std::vector<MeshInstance>> mesh_instances(const tinygltf::Model& model) {
  std::vector<MeshInstance> instances;
  if (model.nodes.empty()) {
    for (std::size_t m = 0; m < model.meshes.size(); ++m)
      instances.push_back({static_cast<int>(m), kIdentity});
    return instances;
  }
  Result<std::vector<int>> roots = scene_roots(model);
  if (!roots) return roots.error();
  std::vector<bool> visited(model.nodes.size(), false);
  std::vector<std::pair<int, Matrix>> stack;
  for (auto it = roots->rbegin(); it != roots->rend(); ++it) stack.push_back({*it, kIdentity});
  while (!stack.empty()) {
    const auto [index, parent] = stack.back();
    stack.pop_back();
    const std::string what = "node " + std::to_string(index);
    if (index < 0 || static_cast<std::size_t>(index) >= model.nodes.size())
      return make_error(what + " does not exist");
    if (visited[index]) return make_error(what + " is reached twice (a cycle or a shared child)");
    visited[index] = true;
    const tinygltf::Node& node = model.nodes[index];
    Result<Matrix> local = local_matrix(node, what);
    if (!local) return local.error();
    const Matrix world = multiply(parent, local.value());
    if (node.mesh >= 0) {
      if (static_cast<std::size_t>(node.mesh) >= model.meshes.size()) {
        return make_error(what + ": mesh " + std::to_string(node.mesh) + " does not exist");
      }
      instances.push_back({node.mesh, world});
    }
    for (auto child = node.children.rbegin(); child != node.children.rend(); ++child)
      stack.push_back({*child, world});
  }
  return instances;
}

}  // namespace

Status flatten_scene(const tinygltf::Model& model, const MeshReader& read_mesh,
                     std::vector<Primitive>& out) {
  Result<std::vector<MeshInstance>> instances = mesh_instances(model);
  if (!instances) return instances.error();
  // Each mesh is read once; the flattened size is checked before any instance is copied.
  std::map<int, std::vector<Primitive>> local_meshes;
  std::size_t flattened_vertices = 0, flattened_indices = 0;
  for (const MeshInstance& instance : instances.value()) {
    auto cached = local_meshes.find(instance.mesh);
    if (cached == local_meshes.end()) {
      Result<std::vector<Primitive>> primitives = read_mesh(instance.mesh);
      if (!primitives) return primitives.error();
      cached = local_meshes.emplace(instance.mesh, std::move(primitives.value())).first;
    }
    for (const Primitive& local : cached->second) {
      flattened_vertices += local.positions.size();
      flattened_indices += local.indices.size();
    }
    if (flattened_vertices > kMaxFlattenedVertices ||
        flattened_indices > 3 * kMaxFlattenedVertices) {
      return make_error("flattening the scene's node instances exceeds " +
                        std::to_string(kMaxFlattenedVertices) + " vertices");
    }
  }
  for (const MeshInstance& instance : instances.value()) {
    for (const Primitive& local : local_meshes.at(instance.mesh)) {
      Primitive world = local;
      transform_primitive(world, instance.world);
      out.push_back(std::move(world));
    }
  }
  return Ok{};
}

}  // namespace atlas::gltf
