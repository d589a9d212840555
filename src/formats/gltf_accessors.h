#pragma once
// glTF accessors and bufferViews read with every index and byte range checked, which
// tinygltf leaves to its caller.

#include <tiny_gltf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/result.h"

namespace atlas::gltf {

struct FloatData {
  std::size_t count = 0;
  int components = 0;
  std::vector<float> values;  // count * components
};

// The bytes of bufferView `view_index`. Fails when the view or its buffer does not
// exist or the view runs past the end of the buffer. Messages start with `what`.
Result<ByteView> view_bytes(const tinygltf::Model& model, int view_index, const std::string& what);

// Reads a vertex attribute accessor into floats, converting every component type and
// normalised integers (signed ones clamped at -1). Checks the accessor exists, has a
// valid componentType and type, and that every strided element (and every sparse index
// and value) lies inside its bufferView. An accessor with no bufferView is zeros plus
// its sparse values, and may have at most 2^24 elements.
Result<FloatData> read_floats(const tinygltf::Model& model, int accessor_index,
                              const std::string& what);

// Reads an index accessor: unsigned byte, short or int scalars in a bufferView, not
// sparse. The values are not checked against any vertex count.
Result<std::vector<std::uint32_t>> read_indices(const tinygltf::Model& model, int accessor_index,
                                                const std::string& what);

// Turns the indices of a TRIANGLES, TRIANGLE_STRIP or TRIANGLE_FAN primitive into a
// triangle list. Strip triangles alternate their winding as glTF specifies; degenerate
// strip and fan triangles are left out. Fails when a TRIANGLES list is not a multiple
// of 3.
Result<std::vector<std::uint32_t>> triangle_list(int mode, std::vector<std::uint32_t> indices,
                                                 const std::string& what);

}  // namespace atlas::gltf
