// Placeholder until implemented.
#include "formats/mesh_formats.h"

namespace atlas {

Result<Mesh> decode_ply_mesh(ByteView, FormatDetails*) { return make_error("PLY mesh: not implemented"); }
Bytes encode_ply_mesh(const Mesh&, bool) { return {}; }

}  // namespace atlas
