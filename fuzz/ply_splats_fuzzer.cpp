// Feeds arbitrary bytes to the 3DGS PLY reader; anything it accepts must validate and
// survive a write and a second read.
#include <cstdlib>

#include "formats/splat_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto cloud = atlas::decode_ply_splats({data, size});
  if (!cloud.ok()) return 0;
  if (!cloud->validate().empty()) std::abort();
  auto again = atlas::decode_ply_splats(atlas::encode_ply_splats(*cloud));
  if (!again.ok() || again->size() != cloud->size()) std::abort();
  return 0;
}
