#include "formats/glb_container.h"

#include <cstdint>
#include <string>

#include "core/byte_reader.h"

namespace atlas::gltf {

namespace {

constexpr std::uint32_t kGlbMagic = 0x46546C67;  // "glTF"
constexpr std::uint32_t kChunkJson = 0x4E4F534A;
constexpr std::uint32_t kChunkBin = 0x004E4942;

}  // namespace

Result<GlbParts> split_glb(ByteView bytes) {
  ByteReader header(bytes);
  std::uint32_t magic = 0, version = 0, length = 0;
  if (!header.read(magic) || !header.read(version) || !header.read(length)) {
    return make_error("GLB: truncated header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (magic != kGlbMagic) return make_error("GLB: wrong magic bytes");
  if (version != 2)
    return make_error("GLB: container version " + std::to_string(version) + " is not supported");
  if (length > bytes.size()) {
    return make_error("GLB: header says " + std::to_string(length) + " bytes but the file has " +
                      std::to_string(bytes.size()) + " (truncated)");
  }
  ByteReader chunks(bytes.first(length));
  chunks.skip(12);
  std::uint32_t json_length = 0, json_type = 0;
  if (!chunks.read(json_length) || !chunks.read(json_type))
    return make_error("GLB: truncated JSON chunk header");
  if (json_type != kChunkJson) return make_error("GLB: the first chunk is not JSON");
  if (json_length == 0 || !chunks.has(json_length)) {
    return make_error("GLB: JSON chunk length " + std::to_string(json_length) +
                      " runs past the end (" + std::to_string(chunks.remaining()) + " bytes left)");
  }
  GlbParts parts;
  parts.json = as_chars(chunks.take(json_length));
  if (chunks.remaining() == 0) return parts;
  std::uint32_t bin_length = 0, bin_type = 0;
  if (!chunks.read(bin_length) || !chunks.read(bin_type))
    return make_error("GLB: truncated BIN chunk header");
  if (bin_type != kChunkBin) return make_error("GLB: the second chunk is not BIN");
  if (!chunks.has(bin_length)) {
    return make_error("GLB: BIN chunk length " + std::to_string(bin_length) +
                      " runs past the end (" + std::to_string(chunks.remaining()) + " bytes left)");
  }
  parts.bin = chunks.take(bin_length);
  return parts;
}

Bytes assemble_glb(std::string_view json, ByteView bin) {
  std::string padded_json(json);
  padded_json.resize((padded_json.size() + 3) / 4 * 4, ' ');
  const std::size_t padded_bin = (bin.size() + 3) / 4 * 4;
  const std::size_t total = 12 + 8 + padded_json.size() + (bin.empty() ? 0 : 8 + padded_bin);
  Bytes out;
  out.reserve(total);
  auto put32 = [&out](std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  put32(kGlbMagic);
  put32(2);
  put32(static_cast<std::uint32_t>(total));
  put32(static_cast<std::uint32_t>(padded_json.size()));
  put32(kChunkJson);
  out.insert(out.end(), padded_json.begin(), padded_json.end());
  if (!bin.empty()) {
    put32(static_cast<std::uint32_t>(padded_bin));
    put32(kChunkBin);
    out.insert(out.end(), bin.begin(), bin.end());
    out.resize(total, 0);
  }
  return out;
}

}  // namespace atlas::gltf
