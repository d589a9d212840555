#pragma once
// File formats Atlas reads and writes, and detection by content.

#include <string>
#include <string_view>

#include "core/file_io.h"

namespace atlas {

enum class Format {
  Unknown,
  PlySplats,        // 3DGS PLY (binary LE/BE or ASCII)
  Base64PlySplats,  // 404's legacy payload: a 3DGS PLY encoded as base64 text
  Spz,              // Niantic SPZ v2-v4, gzip or zstd wrapped, or bare
  AntimatterSplat,  // antimatter15 .splat, 32 bytes a splat
  Ksplat,           // mkkellogg GaussianSplats3D .ksplat
  PlyMesh,          // polygon PLY
  Glb,
  Gltf,
  Obj,
  Stl,  // binary or ASCII
};

enum class AssetKind { Unknown, Splats, Mesh };

AssetKind kind_of(Format format);
const char* format_name(Format format);

// Picks the format from magic bytes and content. The extension (lower case, no dot)
// only decides between formats that have no magic (.splat, .ksplat, .obj), and is
// never trusted over contradicting content.
Format detect_format(ByteView bytes, std::string_view extension);

// The writer format for an output path's extension: ply (splats or mesh, by `kind`),
// spz, splat, glb, gltf, obj, stl. Unknown when none fits.
Format format_for_extension(std::string_view extension, AssetKind kind);

// What a reader found beyond the data itself, for `atlas info`.
struct FormatDetails {
  Format format = Format::Unknown;
  std::string description;  // e.g. "SPZ v2, zstd", "PLY binary little-endian"
};

}  // namespace atlas
