// Placeholder until implemented.
#include "formats/mesh_formats.h"

namespace atlas {

Result<Mesh> decode_stl(ByteView, FormatDetails*) { return make_error("STL: not implemented"); }
Bytes encode_stl(const Mesh&, bool) { return {}; }

}  // namespace atlas
