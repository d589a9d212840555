#pragma once
// CPU 3D Gaussian splatting: each Gaussian's 3D covariance is projected to a 2D
// ellipse (EWA, with the usual 0.3-pixel low-pass), splats are depth-sorted and
// alpha-composited front to back per tile, colour evaluated from SH degree 0-3 for the
// view direction. Multi-threaded over tiles.
//
// The image model is the forward pass of the reference CUDA rasteriser (graphdeco-inria
// diff-gaussian-rasterization), pixel for pixel:
// - each splat is framed (p' = (p - center) * scale; the std-devs scale too), its
//   covariance R S S^T R^T comes from exp(log_scales) and the normalised quaternion;
// - splats whose centre is not beyond the camera's near plane are culled, as are those
//   whose 3-sigma box (shrunk to where alpha can still reach 1/255) misses the image;
// - colour is 0.5 + the real SH series (degree 0..sh_degree, the reference constants)
//   for the unit direction from the camera eye to the framed splat, clamped below at 0;
//   opacity is sigmoid(opacity_logit);
// - per pixel, splats nearest first (by camera depth of their centre): alpha =
//   min(0.99, opacity * exp(-d^T conic d / 2)) (exp to a relative 4e-6, core/fast_exp.h,
//   which moves a few 8-bit values by 1), skipped below 1/255 or when the exponent is not
//   a number (a degenerate conic); compositing stops
//   for a pixel at the splat that would take its transmittance below 1e-4 (that splat
//   is not added), as the reference does.
// Colours are the SH values written straight to 8 bits (no transfer curve), as 3DGS does.

#include <memory>

#include "asset/image.h"
#include "asset/splat_cloud.h"
#include "render/camera.h"

namespace atlas::render {

struct SplatRenderOptions {
  Vec3 background{1, 1, 1};  // 0..1 per channel, written as is (white, as 404's validator renders)
  int threads = 0;           // 0: all hardware threads
};

// Returns an RGBA8 image of camera.width x camera.height; alpha is the accumulated
// opacity 1 - transmittance (the silhouette), colour is composited over the background
// and clamped to [0, 1]. An inconsistent cloud (see SplatCloud::consistent) renders as
// background only; splats with non-finite values are skipped. A camera without pixels
// or with a side above kMaxRenderSide gives an empty image.
Image render_splats(const SplatCloud& cloud, const OrbitCamera& camera, const Framing& framing,
                    const SplatRenderOptions& options = {});

// The working memory of render_splats, kept from one render to the next: a series of
// views (the fidelity protocol's 16) then reuses it instead of faulting in fresh pages
// for each. One render at a time may use it.
class SplatRenderScratch {
 public:
  SplatRenderScratch();
  ~SplatRenderScratch();
  SplatRenderScratch(SplatRenderScratch&&) noexcept;
  SplatRenderScratch& operator=(SplatRenderScratch&&) noexcept;

 private:
  friend Image render_splats(const SplatCloud&, const OrbitCamera&, const Framing&,
                             const SplatRenderOptions&, SplatRenderScratch&);
  struct Buffers;
  std::unique_ptr<Buffers> buffers_;
};

// render_splats working in `scratch`; the same image.
Image render_splats(const SplatCloud& cloud, const OrbitCamera& camera, const Framing& framing,
                    const SplatRenderOptions& options, SplatRenderScratch& scratch);

}  // namespace atlas::render
