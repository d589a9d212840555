// Placeholder until implemented.
#include "formats/mesh_formats.h"

namespace atlas {

Result<Mesh> decode_gltf(ByteView, const ResourceLoader&, FormatDetails*) { return make_error("glTF: not implemented"); }
std::vector<OutputFile> encode_gltf(const Mesh&, bool, std::string_view) { return {}; }

}  // namespace atlas
