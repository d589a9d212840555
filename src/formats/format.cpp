#include "formats/format.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/byte_reader.h"
#include "core/compression.h"

namespace atlas {

AssetKind kind_of(Format format) {
  switch (format) {
    case Format::PlySplats:
    case Format::Base64PlySplats:
    case Format::Spz:
    case Format::AntimatterSplat:
    case Format::Ksplat:
      return AssetKind::Splats;
    case Format::PlyMesh:
    case Format::Glb:
    case Format::Gltf:
    case Format::Obj:
    case Format::Stl:
      return AssetKind::Mesh;
    case Format::Unknown:
      break;
  }
  return AssetKind::Unknown;
}

const char* format_name(Format format) {
  switch (format) {
    case Format::PlySplats:
      return "3DGS PLY";
    case Format::Base64PlySplats:
      return "base64 3DGS PLY";
    case Format::Spz:
      return "SPZ";
    case Format::AntimatterSplat:
      return "antimatter15 .splat";
    case Format::Ksplat:
      return "ksplat";
    case Format::PlyMesh:
      return "PLY mesh";
    case Format::Glb:
      return "GLB";
    case Format::Gltf:
      return "glTF";
    case Format::Obj:
      return "OBJ";
    case Format::Stl:
      return "STL";
    case Format::Unknown:
      break;
  }
  return "unknown";
}

namespace {

bool starts_with(ByteView bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() &&
         std::memcmp(bytes.data(), prefix.data(), prefix.size()) == 0;
}

// The text after leading whitespace and a UTF-8 byte-order mark.
std::string_view trimmed_text(ByteView bytes, std::size_t limit) {
  std::string_view text = as_chars(bytes.first(std::min(bytes.size(), limit)));
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  return text;
}

// A PLY holds splats when its vertex element has the 3DGS attributes, or the packed
// layout splat-transform and SuperSplat write; anything else is a mesh or point set.
Format classify_ply(ByteView bytes) {
  std::string_view header = as_chars(bytes.first(std::min<std::size_t>(bytes.size(), 1 << 16)));
  const std::size_t end = header.find("end_header");
  if (end != std::string_view::npos) header = header.substr(0, end);
  const bool splat_attributes = header.find(" f_dc_0") != std::string_view::npos ||
                                header.find(" packed_position") != std::string_view::npos;
  return splat_attributes ? Format::PlySplats : Format::PlyMesh;
}

bool is_binary_stl(ByteView bytes) {
  if (bytes.size() < 84) return false;
  std::uint32_t count = 0;
  std::memcpy(&count, bytes.data() + 80, 4);
  return std::uint64_t{84} + std::uint64_t{50} * count == bytes.size();
}

bool looks_like_obj(std::string_view text) {
  // The first statement that is not a comment or blank line.
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    if (!line.empty() && line.front() != '#') {
      for (std::string_view keyword :
           {"v ", "vn ", "vt ", "f ", "o ", "g ", "mtllib ", "usemtl ", "s "}) {
        if (line.starts_with(keyword)) return true;
      }
      return false;
    }
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return false;
}

}  // namespace

Format detect_format(ByteView bytes, std::string_view extension) {
  if (starts_with(bytes, "ply\n") || starts_with(bytes, "ply\r\n")) return classify_ply(bytes);
  if (starts_with(bytes, "glTF")) return Format::Glb;
  if (starts_with(bytes, "NGSP") || detect_compression(bytes) != Compression::None)
    return Format::Spz;
  if (is_binary_stl(bytes)) return Format::Stl;

  const std::string_view text = trimmed_text(bytes, 4096);
  if (text.starts_with("cGx5")) return Format::Base64PlySplats;  // base64 of "ply"
  if (text.starts_with("{") && text.find("\"asset\"") != std::string_view::npos)
    return Format::Gltf;
  if (extension == "gltf" && text.starts_with("{")) return Format::Gltf;
  if (text.starts_with("solid") && (text.find("facet") != std::string_view::npos ||
                                    text.find("endsolid") != std::string_view::npos)) {
    return Format::Stl;
  }
  if (extension == "ksplat") return Format::Ksplat;
  if (extension == "splat") return Format::AntimatterSplat;
  if (extension == "obj" || looks_like_obj(text)) return Format::Obj;
  return Format::Unknown;
}

Format format_for_extension(std::string_view extension, AssetKind kind) {
  if (extension == "ply") return kind == AssetKind::Mesh ? Format::PlyMesh : Format::PlySplats;
  if (extension == "spz") return Format::Spz;
  if (extension == "splat") return Format::AntimatterSplat;
  if (extension == "glb") return Format::Glb;
  if (extension == "gltf") return Format::Gltf;
  if (extension == "obj") return Format::Obj;
  if (extension == "stl") return Format::Stl;
  return Format::Unknown;
}

}  // namespace atlas
