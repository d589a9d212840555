// Feeds arbitrary bytes to the OBJ reader. Input up to the first NUL byte is the OBJ;
// the rest is served for every file it refers to (its MTL and textures). Anything
// accepted is written back and read again.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "formats/mesh_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* separator = std::find(data, data + size, std::uint8_t{0});
  const atlas::ByteView obj(data, static_cast<std::size_t>(separator - data));
  const atlas::Bytes sidecar(separator == data + size ? separator : separator + 1, data + size);
  const atlas::ResourceLoader load = [&sidecar](std::string_view) -> atlas::Result<atlas::Bytes> {
    return sidecar;
  };
  atlas::Result<atlas::Mesh> mesh = atlas::decode_obj(obj, load);
  if (!mesh.ok()) return 0;
  const std::vector<atlas::OutputFile> files = atlas::encode_obj(mesh.value(), "fuzz");
  const atlas::ResourceLoader none = [](std::string_view) -> atlas::Result<atlas::Bytes> {
    return atlas::make_error("none");
  };
  atlas::Result<atlas::Mesh> again = atlas::decode_obj(files.front().bytes, none);
  if (!again.ok() || again->triangle_count() != mesh->triangle_count()) __builtin_trap();
  return 0;
}
