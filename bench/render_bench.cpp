// Render times at the validator's view size class (512x512, elevation -15 degrees) on
// real assets: the splat renderer on a 404 output, the mesh renderer on a TRELLIS
// output and a textured glTF sample, with all hardware threads.
//
//   atlas_render_bench --benchmark_filter=Splat
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "formats/asset_io.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"

namespace {

using namespace atlas;

std::filesystem::path testdata(const std::string& relative) {
  return std::filesystem::path(ATLAS_TESTDATA_DIR) / relative;
}

render::OrbitCamera validator_camera(benchmark::State& state) {
  render::OrbitCamera camera;
  camera.elevation_degrees = -15;
  camera.azimuth_degrees = static_cast<float>(state.range(0));
  return camera;
}

void BM_RenderSplatsHamburger(benchmark::State& state) {
  static const Result<SplatCloud> cloud = load_splats(testdata("splats/404-hamburger.ply"));
  if (!cloud.ok()) {
    state.SkipWithError(cloud.error().message.c_str());
    return;
  }
  const render::Framing framing = render::fit_framing(cloud->bounds());
  const render::OrbitCamera camera = validator_camera(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(render::render_splats(*cloud, camera, framing));
  }
  state.counters["splats"] = static_cast<double>(cloud->size());
}

void render_mesh_file(benchmark::State& state, const std::string& file, render::Shading shading) {
  const Result<Mesh> mesh = load_mesh(testdata(file));
  if (!mesh.ok()) {
    state.SkipWithError(mesh.error().message.c_str());
    return;
  }
  const render::Framing framing = render::fit_framing(mesh->bounds());
  const render::OrbitCamera camera = validator_camera(state);
  render::MeshRenderOptions options;
  options.shading = shading;
  for (auto _ : state) {
    benchmark::DoNotOptimize(render::render_mesh(*mesh, camera, framing, options));
  }
  state.counters["triangles"] = static_cast<double>(mesh->triangle_count());
}

void BM_RenderMeshTrellisLit(benchmark::State& state) {
  render_mesh_file(state, "meshes/trellis-sample.glb", render::Shading::Lit);
}

void BM_RenderMeshTrellisUnlit(benchmark::State& state) {
  render_mesh_file(state, "meshes/trellis-sample.glb", render::Shading::Unlit);
}

void BM_RenderMeshDamagedHelmetLit(benchmark::State& state) {
  render_mesh_file(state, "meshes/DamagedHelmet.glb", render::Shading::Lit);
}

}  // namespace

// Mean, median and spread of 5 repetitions in wall-clock time, since the work runs on
// several threads.
void timed_in_wall_clock(benchmark::internal::Benchmark* benchmark) {
  benchmark->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Repetitions(5)
      ->ReportAggregatesOnly(true);
}

// Azimuth 0 (front) and 90 (side).
BENCHMARK(BM_RenderSplatsHamburger)->Arg(0)->Arg(90)->Apply(timed_in_wall_clock);
BENCHMARK(BM_RenderMeshTrellisLit)->Arg(0)->Arg(90)->Apply(timed_in_wall_clock);
BENCHMARK(BM_RenderMeshTrellisUnlit)->Arg(90)->Apply(timed_in_wall_clock);
BENCHMARK(BM_RenderMeshDamagedHelmetLit)->Arg(0)->Arg(90)->Apply(timed_in_wall_clock);
