// Feeds arbitrary bytes to the glTF/GLB reader; anything it accepts is written back as
// GLB and read again. Every external URI resolves to the input itself, so buffer and
// image loading through the ResourceLoader is exercised too.
#include <cstddef>
#include <cstdint>

#include "formats/mesh_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const atlas::ByteView bytes(data, size);
  const atlas::ResourceLoader load = [bytes](std::string_view) -> atlas::Result<atlas::Bytes> {
    return atlas::Bytes(bytes.begin(), bytes.end());
  };
  atlas::FormatDetails details;
  atlas::Result<atlas::Mesh> mesh = atlas::decode_gltf(bytes, load, &details);
  if (!mesh.ok()) return 0;
  const std::vector<atlas::OutputFile> files = atlas::encode_gltf(mesh.value(), true, "fuzz");
  atlas::Result<atlas::Mesh> again = atlas::decode_gltf(files.front().bytes, load);
  if (!again.ok()) __builtin_trap();
  return 0;
}
