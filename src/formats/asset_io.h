#pragma once
// Loading and saving assets by path: the entry point front ends use. The format is
// detected from the content (see format.h); errors name the file.

#include <filesystem>
#include <variant>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "core/compression.h"
#include "core/result.h"
#include "formats/format.h"
#include "formats/splat_formats.h"

namespace atlas {

// Decodes splats from bytes of any splat format; `extension` as in detect_format.
Result<SplatCloud> decode_splats(ByteView bytes, std::string_view extension,
                                 FormatDetails* details = nullptr);

Result<SplatCloud> load_splats(const std::filesystem::path& path, FormatDetails* details = nullptr);
Result<Mesh> load_mesh(const std::filesystem::path& path, FormatDetails* details = nullptr);

// A splat cloud or a mesh, whichever the file holds.
using Asset = std::variant<SplatCloud, Mesh>;
Result<Asset> load_asset(const std::filesystem::path& path, FormatDetails* details = nullptr);

struct SplatWriteOptions {
  int spz_version = 2;                              // 2 or 3
  Compression spz_compression = Compression::Gzip;  // Gzip (Niantic) or Zstd (404)
  PlyEncoding ply_encoding = PlyEncoding::BinaryLittleEndian;
};

struct MeshWriteOptions {
  bool ascii = false;  // for PLY and STL
};

// Writes in the format the extension names (.ply, .spz, .splat), atomically.
Status save_splats(const SplatCloud& cloud, const std::filesystem::path& path,
                   const SplatWriteOptions& options = {});

// Writes in the format the extension names (.glb, .gltf, .obj, .ply, .stl), with any
// sidecar files beside it, each atomically.
Status save_mesh(const Mesh& mesh, const std::filesystem::path& path,
                 const MeshWriteOptions& options = {});

}  // namespace atlas
