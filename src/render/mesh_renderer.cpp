// Placeholder until implemented.
#include "render/mesh_renderer.h"

namespace atlas {

namespace render {
Image render_mesh(const Mesh&, const OrbitCamera& c, const Framing&, const MeshRenderOptions&) { return Image(c.width, c.height, 4); }
}

}  // namespace atlas
