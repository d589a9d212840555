#pragma once
// How faithful a produced mesh is to its source: both rendered from the same cameras and
// compared image by image (render/image_metrics.h).

#include <variant>
#include <vector>

#include "asset/image.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "render/camera.h"

namespace atlas::pipeline {

// The fidelity protocol of Atlas's reports: 8 azimuths (0, 45, ... 315 degrees) at
// elevations +15 and -15 degrees, 512 x 512, radius 2.5, 49.1 degree field of view (the
// framing 404's validator uses), white background. Meshes are rendered unlit with
// kMeshSamplesPerSide² samples a pixel (multisampled), as splat renders are smooth.
inline constexpr int kMeshSamplesPerSide = 2;
std::vector<render::OrbitCamera> fidelity_cameras(int size = 512);

// What is compared against: a splat cloud, or a mesh rendered unlit (its base colours).
using SourceAsset = std::variant<const SplatCloud*, const Mesh*>;

// Renders `source` from each camera with `framing`: splats as they are, meshes unlit.
std::vector<Image> render_source(const SourceAsset& source,
                                 const std::vector<render::OrbitCamera>& cameras,
                                 const render::Framing& framing);

struct ViewFidelity {
  double iou = 0;
  double psnr = 0;  // dB; capped at 99 so reports stay finite
  double ssim = 0;
};

struct Fidelity {
  std::vector<ViewFidelity> views;  // one per camera
  double mean_iou = 0, min_iou = 0;
  double mean_psnr = 0;
  double mean_ssim = 0;
};

// Renders `candidate` unlit from the cameras `reference` was rendered from and compares
// each view. `renders`, when not null, receives the candidate's renders.
Fidelity measure_fidelity(const std::vector<Image>& reference,
                          const std::vector<render::OrbitCamera>& cameras,
                          const render::Framing& framing, const Mesh& candidate,
                          std::vector<Image>* renders = nullptr);

}  // namespace atlas::pipeline
