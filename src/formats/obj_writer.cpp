// Wavefront OBJ writer: one object per primitive, with an MTL library and texture files
// beside it. Atlas's UV origin is the image's top-left while OBJ's is its bottom-left,
// so v is flipped.

#include <map>
#include <optional>

#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "formats/mtl.h"
#include "formats/obj_text.h"

namespace atlas {

namespace {

using obj::append_numbers;
using obj::encode_mtl;
using obj::is_space;
using obj::kGenerator;

std::string unique_name(std::string name, std::map<std::string, int>& used, std::size_t index) {
  for (char& c : name) c = is_space(c) || c == '\n' ? '_' : c;
  if (name.empty()) name = "material_" + std::to_string(index);
  std::string candidate = name;
  for (int n = 2; used.contains(candidate); ++n) candidate = name + "_" + std::to_string(n);
  used[candidate] = 1;
  return candidate;
}

struct WrittenImage {
  std::string file;
  Bytes bytes;
};

std::optional<WrittenImage> texture_file(const MeshImage& image, std::string_view stem,
                                         std::size_t index) {
  const std::string mime = sniff_image_mime_type(image.encoded);
  const std::string base = std::string(stem) + "_" + std::to_string(index);
  if (mime == "image/png") return WrittenImage{base + ".png", image.encoded};
  if (mime == "image/jpeg") return WrittenImage{base + ".jpg", image.encoded};
  if (mime == "image/webp") return WrittenImage{base + ".webp", image.encoded};
  const Image& pixels = image.pixels;
  if (pixels.empty() ||
      pixels.pixels.size() != std::size_t(pixels.width) * pixels.height * pixels.channels) {
    return std::nullopt;
  }
  return WrittenImage{base + ".png", encode_png(pixels)};
}

}  // namespace

std::vector<OutputFile> encode_obj(const Mesh& mesh, std::string_view stem) {
  std::vector<OutputFile> files;
  std::vector<std::string> image_files(mesh.images.size());
  std::vector<OutputFile> textures;
  for (std::size_t i = 0; i < mesh.images.size(); ++i) {
    if (std::optional<WrittenImage> image = texture_file(mesh.images[i], stem, i)) {
      image_files[i] = image->file;
      textures.push_back({image->file, std::move(image->bytes)});
    }
  }
  std::map<std::string, int> used;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < mesh.materials.size(); ++i)
    names.push_back(unique_name(mesh.materials[i].name, used, i));

  std::string obj = std::string("# Written by ") + kGenerator + "\n";
  if (!mesh.materials.empty()) obj += "mtllib " + std::string(stem) + ".mtl\n";
  // "usemtl" cannot be undone, so primitives without a material come first.
  std::vector<const Primitive*> order;
  for (const Primitive& p : mesh.primitives) {
    if (p.material < 0) order.push_back(&p);
  }
  for (const Primitive& p : mesh.primitives) {
    if (p.material >= 0) order.push_back(&p);
  }
  std::size_t v_base = 1, vt_base = 1, vn_base = 1;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Primitive& p = *order[k];
    const std::size_t n = p.positions.size();
    const bool colors = p.colors.size() == n, uvs = p.uv0.size() == n,
               normals = p.normals.size() == n;
    obj += "o " + (p.name.empty() ? "primitive_" + std::to_string(k) : p.name) + "\n";
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 q = p.positions[i];
      if (colors) {
        append_numbers(obj, "v", {q.x, q.y, q.z, p.colors[i].x, p.colors[i].y, p.colors[i].z});
      } else {
        append_numbers(obj, "v", {q.x, q.y, q.z});
      }
    }
    if (uvs) {
      for (const Vec2& uv : p.uv0) append_numbers(obj, "vt", {uv.x, 1 - uv.y});
    }
    if (normals) {
      for (const Vec3& normal : p.normals)
        append_numbers(obj, "vn", {normal.x, normal.y, normal.z});
    }
    if (p.material >= 0 && static_cast<std::size_t>(p.material) < names.size()) {
      obj += "usemtl " + names[p.material] + "\n";
    }
    for (std::size_t t = 0; t + 2 < p.indices.size(); t += 3) {
      obj += 'f';
      for (int c = 0; c < 3; ++c) {
        const std::uint32_t index = p.indices[t + c];
        obj += ' ' + std::to_string(v_base + index);
        if (uvs || normals) obj += '/';
        if (uvs) obj += std::to_string(vt_base + index);
        if (normals) obj += '/' + std::to_string(vn_base + index);
      }
      obj += '\n';
    }
    v_base += n;
    vt_base += uvs ? n : 0;
    vn_base += normals ? n : 0;
  }
  files.push_back({std::string(stem) + ".obj", Bytes(obj.begin(), obj.end())});
  if (!mesh.materials.empty()) {
    const std::string mtl = encode_mtl(mesh, names, image_files);
    files.push_back({std::string(stem) + ".mtl", Bytes(mtl.begin(), mtl.end())});
  }
  for (OutputFile& texture : textures) files.push_back(std::move(texture));
  return files;
}

}  // namespace atlas
