#include "pipeline/fidelity.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "render/image_metrics.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"

namespace atlas::pipeline {
namespace {

constexpr double kPsnrCap = 99;

// Views are rendered in parallel, each on one thread: whole views balance better across
// cores than the bands of one 512² image. Meshes are anti-aliased because splat renders
// are (every splat is a smooth Gaussian): stair-stepped mesh edges against soft splat
// edges would be counted as colour error that no viewer with MSAA would see.
Image render_unlit(const Mesh& mesh, const render::OrbitCamera& camera,
                   const render::Framing& framing) {
  render::MeshRenderOptions options;
  options.shading = render::Shading::Unlit;
  options.samples_per_side = kMeshSamplesPerSide;
  options.threads = 1;
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
  std::vector<Image> images(cameras.size());
  // Each view renders on one thread, start to end, so a thread's scratch serves one
  // view at a time.
  tbb::enumerable_thread_specific<render::SplatRenderScratch> scratches;
  tbb::parallel_for(std::size_t(0), cameras.size(), [&](std::size_t i) {
    if (const SplatCloud* const* cloud = std::get_if<const SplatCloud*>(&source)) {
      render::SplatRenderOptions options;
      options.threads = 1;
      images[i] = render::render_splats(**cloud, cameras[i], framing, options, scratches.local());
    } else {
      images[i] = render_unlit(*std::get<const Mesh*>(source), cameras[i], framing);
    }
  });
  return images;
}

Fidelity measure_fidelity(const std::vector<Image>& reference,
                          const std::vector<render::OrbitCamera>& cameras,
                          const render::Framing& framing, const Mesh& candidate,
                          std::vector<Image>* renders) {
  Fidelity fidelity;
  const std::size_t count = std::min(reference.size(), cameras.size());
  if (count == 0) return fidelity;
  std::vector<Image> images(count);
  fidelity.views.resize(count);
  tbb::parallel_for(std::size_t(0), count, [&](std::size_t i) {
    images[i] = render_unlit(candidate, cameras[i], framing);
    ViewFidelity& view = fidelity.views[i];
    view.iou = render::silhouette_iou(reference[i], images[i]);
    view.psnr = std::min(render::masked_psnr(reference[i], images[i]), kPsnrCap);
    view.ssim = render::masked_ssim(reference[i], images[i]);
  });
  fidelity.min_iou = 1;
  for (const ViewFidelity& view : fidelity.views) {
    fidelity.mean_iou += view.iou / count;
    fidelity.mean_psnr += view.psnr / count;
    fidelity.mean_ssim += view.ssim / count;
    fidelity.min_iou = std::min(fidelity.min_iou, view.iou);
  }
  if (renders) *renders = std::move(images);
  return fidelity;
}

}  // namespace atlas::pipeline
