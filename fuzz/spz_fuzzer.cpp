// Feeds arbitrary bytes to the SPZ reader; whatever it accepts must survive the writer
// and read back with the same count.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/splat_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atlas::Result<atlas::SplatCloud> cloud = atlas::decode_spz(atlas::ByteView(data, size));
  if (!cloud) return 0;
  const atlas::Bytes encoded = atlas::encode_spz(*cloud, 3, atlas::Compression::None);
  atlas::Result<atlas::SplatCloud> again = atlas::decode_spz(encoded);
  if (!again || again->size() != cloud->size()) std::abort();
  return 0;
}
