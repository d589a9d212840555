#include "pipeline/fidelity.h"

#include <algorithm>
#include <cmath>

#include "render/image_metrics.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"

namespace atlas::pipeline {
namespace {

constexpr double kPsnrCap = 99;

Image render_unlit(const Mesh& mesh, const render::OrbitCamera& camera,
                   const render::Framing& framing) {
  render::MeshRenderOptions options;
  options.shading = render::Shading::Unlit;
  return render::render_mesh(mesh, camera, framing, options);
}

}  // namespace

std::vector<render::OrbitCamera> fidelity_cameras(int size) {
  render::OrbitCamera base;
  base.width = base.height = size;
  std::vector<render::OrbitCamera> cameras;
  for (float elevation : {15.0f, -15.0f}) {
    base.elevation_degrees = elevation;
    for (const render::OrbitCamera& camera : render::orbit_ring(base, 8)) cameras.push_back(camera);
  }
  return cameras;
}

std::vector<Image> render_source(const SourceAsset& source,
                                 const std::vector<render::OrbitCamera>& cameras,
                                 const render::Framing& framing) {
  std::vector<Image> images;
  for (const render::OrbitCamera& camera : cameras) {
    if (const SplatCloud* const* cloud = std::get_if<const SplatCloud*>(&source)) {
      images.push_back(render::render_splats(**cloud, camera, framing));
    } else {
      images.push_back(render_unlit(*std::get<const Mesh*>(source), camera, framing));
    }
  }
  return images;
}

Fidelity measure_fidelity(const std::vector<Image>& reference,
                          const std::vector<render::OrbitCamera>& cameras,
                          const render::Framing& framing, const Mesh& candidate,
                          std::vector<Image>* renders) {
  Fidelity fidelity;
  const std::size_t count = std::min(reference.size(), cameras.size());
  if (count == 0) return fidelity;
  fidelity.min_iou = 1;
  for (std::size_t i = 0; i < count; ++i) {
    Image image = render_unlit(candidate, cameras[i], framing);
    ViewFidelity view;
    view.iou = render::silhouette_iou(reference[i], image);
    view.psnr = std::min(render::masked_psnr(reference[i], image), kPsnrCap);
    view.ssim = render::masked_ssim(reference[i], image);
    fidelity.views.push_back(view);
    fidelity.mean_iou += view.iou / count;
    fidelity.mean_psnr += view.psnr / count;
    fidelity.mean_ssim += view.ssim / count;
    fidelity.min_iou = std::min(fidelity.min_iou, view.iou);
    if (renders) renders->push_back(std::move(image));
  }
  return fidelity;
}

}  // namespace atlas::pipeline
