#pragma once
// CPU z-buffer rasterizer for triangle meshes: perspective-correct interpolation of
// UVs and vertex colours, base-colour texture sampling (bilinear, with the glTF
// sampler's wrap modes and KHR_texture_transform), unlit or simply lit. Multi-threaded
// over horizontal bands of the image.
//
// The image model:
// - vertices are framed (p' = (p - center) * scale) and projected with the pixel
//   convention of camera.h; triangles are clipped against the camera's near plane;
//   a pixel is covered when its centre lies inside or on the triangle; nearest wins.
// - Both faces of every triangle are drawn whatever Material::double_sided says: meshes
//   from generators often have inconsistent winding, and a culled face would show as a
//   hole. The lit mode uses |n . l| for the same reason.
// - Base colour = base_color_factor (linear) x base-colour texture (sRGB decoded to
//   linear; see texture_sampler.h for filtering, wrap modes and KHR_texture_transform,
//   including its texcoord override) x vertex colour (linear). A texture whose UV set
//   the primitive lacks is ignored; a primitive without a valid material uses the glTF
//   default material (white, opaque).
// - Alpha modes: Mask discards pixels whose alpha is below alpha_cutoff (they neither
//   colour nor hide what is behind); Blend is drawn as Opaque (no sorting or blending).
// - Lit: colour x (0.3 + 0.7 |n . l|), l the direction from the model towards the eye
//   (a headlight), n the interpolated Primitive::normals when present, else the face
//   normal. Unlit: the base colour only.
// - The final linear colour is sRGB-encoded into the 8-bit output. The background is
//   written as given (0..1 per channel, not sRGB-encoded), like the splat renderer's.
// Primitives whose optional attributes do not match their positions are skipped, as are
// triangles with an out-of-range index or non-finite coordinates.

#include "asset/image.h"
#include "asset/mesh.h"
#include "render/camera.h"

namespace atlas::render {

enum class Shading {
  Unlit,  // base colour only, as a baked-colour comparison needs
  Lit,    // base colour times a headlight plus ambient term, to show shape
};

struct MeshRenderOptions {
  Vec3 background{1, 1, 1};
  Shading shading = Shading::Lit;
  // Anti-aliasing: visibility is decided at samples_per_side² samples a pixel, and each
  // triangle a pixel's samples see is shaded once, at the centroid of those samples
  // (multisampling). Colour (8-bit values over the background) and alpha (coverage) are
  // averaged over the samples, so an edge blends by the share of samples covered. 1 (or
  // less) is one sample at the pixel centre: alpha is 0 or 255. Reduced as needed to
  // keep the sampled image within kMaxRenderSide.
  int samples_per_side = 1;
  int threads = 0;  // 0: all hardware threads
};

// Returns an RGBA8 image of camera.width x camera.height; alpha is 255 where a triangle
// covers the pixel, else 0. A camera without pixels or with
// a side above kMaxRenderSide gives an empty image.
Image render_mesh(const Mesh& mesh, const OrbitCamera& camera, const Framing& framing,
                  const MeshRenderOptions& options = {});

}  // namespace atlas::render
