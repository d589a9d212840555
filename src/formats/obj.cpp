// Placeholder until implemented.
#include "formats/mesh_formats.h"

namespace atlas {

Result<Mesh> decode_obj(ByteView, const ResourceLoader&, FormatDetails*) { return make_error("OBJ: not implemented"); }
std::vector<OutputFile> encode_obj(const Mesh&, std::string_view) { return {}; }

}  // namespace atlas
