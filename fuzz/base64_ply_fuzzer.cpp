// Feeds arbitrary text to the base64 PLY reader, and checks that base64 decoding
// inverts encoding for the same bytes.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/base64.h"
#include "formats/splat_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto cloud = atlas::decode_base64_ply_splats({data, size});
  if (cloud.ok() && !cloud->validate().empty()) std::abort();
  const std::string text = atlas::base64_encode({data, size});
  auto decoded =
      atlas::base64_decode({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, size);
  if (!decoded.ok() || decoded->size() != size ||
      !std::equal(decoded->begin(), decoded->end(), data)) {
    std::abort();
  }
  return 0;
}
