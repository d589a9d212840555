// Feeds arbitrary bytes to the STL reader; anything it accepts is written back in both
// encodings and must read again with the same triangle count.
#include <cstddef>
#include <cstdint>

#include "formats/mesh_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atlas::Result<atlas::Mesh> mesh = atlas::decode_stl(atlas::ByteView(data, size));
  if (!mesh.ok()) return 0;
  for (bool ascii : {false, true}) {
    atlas::Result<atlas::Mesh> again = atlas::decode_stl(atlas::encode_stl(mesh.value(), ascii));
    if (!again.ok() || again->triangle_count() != mesh->triangle_count()) __builtin_trap();
  }
  return 0;
}
