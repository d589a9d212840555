#pragma once
// CPU z-buffer rasterizer for triangle meshes: perspective-correct interpolation of
// UVs and vertex colours, base-colour texture sampling (bilinear, with the glTF
// sampler's wrap modes and KHR_texture_transform), unlit or simply lit. Multi-threaded
// over horizontal bands of the image.

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
  int threads = 0;  // 0: all hardware threads
};

// Returns an RGBA8 image; alpha is 255 where a triangle covers the pixel, else 0.
Image render_mesh(const Mesh& mesh, const OrbitCamera& camera, const Framing& framing,
                  const MeshRenderOptions& options = {});

}  // namespace atlas::render
