// Placeholder until implemented.
#include "formats/splat_formats.h"

namespace atlas {

Result<SplatCloud> decode_ksplat(ByteView, FormatDetails*) { return make_error("ksplat: not implemented"); }

}  // namespace atlas
