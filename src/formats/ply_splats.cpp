// Placeholder until implemented.
#include "formats/splat_formats.h"

namespace atlas {

Result<SplatCloud> decode_ply_splats(ByteView, FormatDetails*) { return make_error("PLY splats: not implemented"); }
Bytes encode_ply_splats(const SplatCloud&, PlyEncoding) { return {}; }
Result<SplatCloud> decode_base64_ply_splats(ByteView, FormatDetails*) { return make_error("base64 PLY: not implemented"); }

}  // namespace atlas
