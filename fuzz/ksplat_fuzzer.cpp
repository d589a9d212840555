// Feeds arbitrary bytes to the .ksplat reader.

#include <cstddef>
#include <cstdint>

#include "formats/splat_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)atlas::decode_ksplat(atlas::ByteView(data, size));
  return 0;
}
