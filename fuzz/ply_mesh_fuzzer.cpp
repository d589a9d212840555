// Feeds arbitrary bytes to the PLY mesh reader; anything it accepts must validate and
// survive a write and a second read.
#include <cstdlib>

#include "formats/mesh_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto mesh = atlas::decode_ply_mesh({data, size});
  if (!mesh.ok()) return 0;
  if (!mesh->validate().empty()) std::abort();
  auto again = atlas::decode_ply_mesh(atlas::encode_ply_mesh(*mesh));
  if (!again.ok() || again->vertex_count() != mesh->vertex_count() ||
      again->triangle_count() != mesh->triangle_count()) {
    std::abort();
  }
  return 0;
}
