#pragma once
// Readers and writers of each splat format. Each decoder validates everything it reads
// (magic, version, counts against the bytes present, decompressed size) and returns
// an Error saying what is wrong; the message does not name the file (the caller does).
// Decoders fill `details` when it is not null.

#include "asset/splat_cloud.h"
#include "core/compression.h"
#include "core/file_io.h"
#include "core/result.h"
#include "formats/format.h"

namespace atlas {

// 3DGS PLY: vertex element with x y z, f_dc_0..2, opacity, scale_0..2, rot_0..3 and
// optionally f_rest_* (SH degree inferred from their count: 0, 9, 24 or 45) and
// normals; any property order and type; other properties and elements ignored.
Result<SplatCloud> decode_ply_splats(ByteView bytes, FormatDetails* details = nullptr);

enum class PlyEncoding { BinaryLittleEndian, BinaryBigEndian, Ascii };

// Writes the standard 3DGS layout (x y z nx ny nz f_dc_* f_rest_* opacity scale_* rot_*)
// as float properties, f_rest in the channel-major order 3DGS uses.
Bytes encode_ply_splats(const SplatCloud& cloud,
                        PlyEncoding encoding = PlyEncoding::BinaryLittleEndian);

// The base64 text of a PLY file (whitespace allowed), as 404's legacy protocol sent it.
Result<SplatCloud> decode_base64_ply_splats(ByteView text, FormatDetails* details = nullptr);

// SPZ versions 2, 3 and 4, in a gzip or zstd wrapper or none.
Result<SplatCloud> decode_spz(ByteView bytes, FormatDetails* details = nullptr);

// SPZ version 2 or 3 (v2: 8-bit xyz rotation; v3: smallest-three; any version >= 3
// writes v3, below 3 writes v2), wrapped in gzip (Niantic), zstd (404) or nothing
// (Compression::None). Quantisation follows Niantic's reference: 12 fractional bits of
// position (positions beyond +-2048 are clamped), 8 bits for alpha, colour, log-scale
// (floored at -10) and SH.
Bytes encode_spz(const SplatCloud& cloud, int version = 2,
                 Compression compression = Compression::Gzip);

// antimatter15 .splat: per splat position (3 f32), scale (3 f32, activated), RGBA (4 u8,
// alpha activated), rotation (4 u8, w x y z mapped from [-1, 1]). No SH.
Result<SplatCloud> decode_antimatter_splat(ByteView bytes, FormatDetails* details = nullptr);
Bytes encode_antimatter_splat(const SplatCloud& cloud);

// GaussianSplats3D .ksplat, compression levels 0, 1 and 2, SH degree 0-3.
Result<SplatCloud> decode_ksplat(ByteView bytes, FormatDetails* details = nullptr);

}  // namespace atlas
