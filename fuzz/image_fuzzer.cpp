// decode_image on arbitrary bytes: PNG, JPEG and WebP textures come from untrusted files.
#include <cstddef>
#include <cstdint>

#include "formats/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto image = atlas::decode_image({data, size});
  if (image.ok() && image->pixels.size() != std::size_t(image->width) * image->height * 4)
    __builtin_trap();
  return 0;
}
