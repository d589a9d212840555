#pragma once
// The GLB (binary glTF 2.0) container: a 12-byte header, a JSON chunk and an optional
// BIN chunk, every length little-endian and every chunk 4-byte aligned.

#include <string_view>

#include "core/file_io.h"
#include "core/result.h"

namespace atlas::gltf {

// The chunks of a GLB, viewing the bytes given to split_glb.
struct GlbParts {
  std::string_view json;
  ByteView bin;  // empty when the container has no BIN chunk
};

// Splits a GLB into its JSON and BIN chunks. Fails, with a message starting "GLB: ", on
// a truncated header, wrong magic, a container version other than 2, a declared length
// larger than the file, an empty JSON chunk, chunks out of order and chunk lengths that
// run past the declared length. Anything after the BIN chunk is ignored.
Result<GlbParts> split_glb(ByteView bytes);

// Builds a GLB from a JSON document and binary buffer: the JSON chunk padded with
// spaces, the BIN chunk (left out when `bin` is empty) padded with zeros.
Bytes assemble_glb(std::string_view json, ByteView bin);

}  // namespace atlas::gltf
