// Placeholder until implemented.
#include "formats/splat_formats.h"

namespace atlas {

Result<SplatCloud> decode_spz(ByteView, FormatDetails*) { return make_error("SPZ: not implemented"); }
Bytes encode_spz(const SplatCloud&, int, Compression) { return {}; }

}  // namespace atlas
