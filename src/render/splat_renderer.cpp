// Placeholder until implemented.
#include "render/splat_renderer.h"

namespace atlas {

namespace render {
Image render_splats(const SplatCloud&, const OrbitCamera& c, const Framing&, const SplatRenderOptions&) { return Image(c.width, c.height, 4); }
}

}  // namespace atlas
