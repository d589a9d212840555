#pragma once
// CPU 3D Gaussian splatting: each Gaussian's 3D covariance is projected to a 2D
// ellipse (EWA, with the usual 0.3-pixel low-pass), splats are depth-sorted and
// alpha-composited front to back per tile, colour evaluated from SH degree 0-3 for the
// view direction. Multi-threaded over tiles.

#include "asset/image.h"
#include "asset/splat_cloud.h"
#include "render/camera.h"

namespace atlas::render {

struct SplatRenderOptions {
  Vec3 background{1, 1, 1};  // linear 0..1 (white, as 404's validator renders)
  int threads = 0;           // 0: all hardware threads
};

// Returns an RGBA8 image of camera.width x camera.height; alpha is the accumulated
// opacity (the silhouette), colour is composited over the background.
Image render_splats(const SplatCloud& cloud, const OrbitCamera& camera, const Framing& framing,
                    const SplatRenderOptions& options = {});

}  // namespace atlas::render
