#include "formats/asset_io.h"

#include "formats/mesh_formats.h"

namespace atlas {

namespace {

namespace fs = std::filesystem;

// Resolves a relative URI against the folder of the file that refers to it. Data URIs
// are handled by the readers themselves.
ResourceLoader loader_beside(const fs::path& main_file) {
  const fs::path folder = main_file.parent_path();
  return [folder](std::string_view uri) -> Result<Bytes> {
    std::string decoded;
    for (std::size_t i = 0; i < uri.size(); ++i) {
      if (uri[i] == '%' && i + 2 < uri.size() &&
          std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
        decoded += static_cast<char>(std::stoi(std::string(uri.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        decoded += uri[i];
      }
    }
    return read_file(folder / decoded, std::uint64_t{1} << 30);
  };
}

Error unknown_format(const fs::path& path, AssetKind expected) {
  std::string message = path.string() + ": not a recognised ";
  message += expected == AssetKind::Splats ? "splat" : expected == AssetKind::Mesh ? "mesh" : "3D";
  message += " format (wrong magic bytes or unsupported content)";
  return make_error(message);
}

Result<Mesh> decode_mesh(Format format, ByteView bytes, const fs::path& path,
                         FormatDetails* details) {
  switch (format) {
    case Format::Glb:
    case Format::Gltf:
      return decode_gltf(bytes, loader_beside(path), details);
    case Format::Obj:
      return decode_obj(bytes, loader_beside(path), details);
    case Format::PlyMesh:
      return decode_ply_mesh(bytes, details);
    case Format::Stl:
      return decode_stl(bytes, details);
    default:
      return unknown_format(path, AssetKind::Mesh);
  }
}

Result<Mesh> with_path(const fs::path& path, Result<Mesh> result) {
  if (!result.ok()) return with_context(path.string(), result.error());
  return result;
}

Result<SplatCloud> with_path(const fs::path& path, Result<SplatCloud> result) {
  if (!result.ok()) return with_context(path.string(), result.error());
  return result;
}

}  // namespace

Result<SplatCloud> decode_splats(ByteView bytes, std::string_view extension,
                                 FormatDetails* details) {
  switch (detect_format(bytes, extension)) {
    case Format::PlySplats:
      return decode_ply_splats(bytes, details);
    case Format::Base64PlySplats:
      return decode_base64_ply_splats(bytes, details);
    case Format::Spz:
      return decode_spz(bytes, details);
    case Format::AntimatterSplat:
      return decode_antimatter_splat(bytes, details);
    case Format::Ksplat:
      return decode_ksplat(bytes, details);
    default:
      return make_error("not a recognised splat format (wrong magic bytes or unsupported content)");
  }
}

Result<SplatCloud> load_splats(const fs::path& path, FormatDetails* details) {
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.error();
  return with_path(path, decode_splats(*bytes, lower_extension(path), details));
}

Result<Mesh> load_mesh(const fs::path& path, FormatDetails* details) {
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.error();
  return with_path(
      path, decode_mesh(detect_format(*bytes, lower_extension(path)), *bytes, path, details));
}

Result<Asset> load_asset(const fs::path& path, FormatDetails* details) {
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.error();
  const Format format = detect_format(*bytes, lower_extension(path));
  switch (kind_of(format)) {
    case AssetKind::Splats: {
      auto cloud = with_path(path, decode_splats(*bytes, lower_extension(path), details));
      if (!cloud.ok()) return cloud.error();
      return Asset(std::move(cloud).value());
    }
    case AssetKind::Mesh: {
      auto mesh = with_path(path, decode_mesh(format, *bytes, path, details));
      if (!mesh.ok()) return mesh.error();
      return Asset(std::move(mesh).value());
    }
    case AssetKind::Unknown:
      break;
  }
  return unknown_format(path, AssetKind::Unknown);
}

Status save_splats(const SplatCloud& cloud, const fs::path& path,
                   const SplatWriteOptions& options) {
  if (!cloud.consistent()) return make_error(path.string() + ": splat cloud is inconsistent");
  Bytes bytes;
  switch (format_for_extension(lower_extension(path), AssetKind::Splats)) {
    case Format::PlySplats:
      bytes = encode_ply_splats(cloud, options.ply_encoding);
      break;
    case Format::Spz:
      if (options.spz_version != 2 && options.spz_version != 3) {
        return make_error(path.string() + ": SPZ version " + std::to_string(options.spz_version) +
                          " cannot be written (2 or 3)");
      }
      bytes = encode_spz(cloud, options.spz_version, options.spz_compression);
      break;
    case Format::AntimatterSplat:
      bytes = encode_antimatter_splat(cloud);
      break;
    default:
      return make_error(path.string() + ": cannot write splats as '." + lower_extension(path) +
                        "' (use .ply, .spz or .splat)");
  }
  return write_file_atomic(path, bytes);
}

Status save_mesh(const Mesh& mesh, const fs::path& path, const MeshWriteOptions& options) {
  if (const std::string problem = mesh.validate(); !problem.empty()) {
    return make_error(path.string() + ": mesh is malformed: " + problem);
  }
  const std::string stem = path.stem().string();
  std::vector<OutputFile> files;
  switch (format_for_extension(lower_extension(path), AssetKind::Mesh)) {
    case Format::Glb:
      files = encode_gltf(mesh, true, stem);
      break;
    case Format::Gltf:
      files = encode_gltf(mesh, false, stem);
      break;
    case Format::Obj:
      files = encode_obj(mesh, stem);
      break;
    case Format::PlyMesh:
      files.push_back({path.filename().string(), encode_ply_mesh(mesh, options.ascii)});
      break;
    case Format::Stl:
      files.push_back({path.filename().string(), encode_stl(mesh, options.ascii)});
      break;
    default:
      return make_error(path.string() + ": cannot write a mesh as '." + lower_extension(path) +
                        "' (use .glb, .gltf, .obj, .ply or .stl)");
  }
  // The main file goes last, so it never refers to sidecars that are not there yet.
  const fs::path folder = path.parent_path();
  for (std::size_t i = files.size(); i-- > 0;) {
    const fs::path target = i == 0 ? path : folder / files[i].name;
    if (Status written = write_file_atomic(target, files[i].bytes); !written.ok()) return written;
  }
  return Ok{};
}

}  // namespace atlas
