// Placeholder until implemented.
#include "formats/splat_formats.h"

namespace atlas {

Result<SplatCloud> decode_antimatter_splat(ByteView, FormatDetails*) { return make_error(".splat: not implemented"); }
Bytes encode_antimatter_splat(const SplatCloud&) { return {}; }

}  // namespace atlas
