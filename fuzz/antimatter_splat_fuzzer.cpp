// Feeds arbitrary bytes to the .splat reader; anything it accepts must validate and
// survive a write and a second read.
#include <cstdlib>

#include "formats/splat_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto cloud = atlas::decode_antimatter_splat({data, size});
  if (!cloud.ok()) return 0;
  if (!cloud->validate().empty()) std::abort();
  auto again = atlas::decode_antimatter_splat(atlas::encode_antimatter_splat(*cloud));
  if (!again.ok() || again->size() != cloud->size()) std::abort();
  return 0;
}
