#pragma once
// One glTF primitive as a Draco mesh, for the writer's KHR_draco_mesh_compression.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "asset/math.h"
#include "core/file_io.h"
#include "core/result.h"

namespace atlas::gltf {

// A vertex attribute under its glTF name (POSITION, NORMAL, TANGENT, TEXCOORD_<n>,
// COLOR_<n>): `components` floats a vertex.
struct DracoAttributeInput {
  std::string name;
  int components = 3;
  const float* values = nullptr;
};

struct DracoPrimitive {
  Bytes bytes;             // the Draco mesh, for the primitive's bufferView
  std::size_t points = 0;  // what the data decodes to: the accessors' counts
  std::size_t triangles = 0;
  std::map<std::string, int> attribute_ids;  // glTF name -> Draco unique id
  Vec3 position_min, position_max;           // of the decoded (quantised) positions
};

// Encodes `vertex_count` vertices with `attributes` (one of them POSITION) and the
// triangle list `indices` with Draco's edgebreaker, quantising positions to 14 bits,
// normals, tangents and colours to 10 and texture coordinates to 12, then decodes the
// result once so the counts and bounds describe exactly what readers will get. Fails
// when there is no POSITION, an index is out of range, the list is not whole triangles
// or Draco cannot encode the mesh.
Result<DracoPrimitive> encode_draco_primitive(std::size_t vertex_count,
                                              const std::vector<DracoAttributeInput>& attributes,
                                              const std::vector<std::uint32_t>& indices);

}  // namespace atlas::gltf
