// Texture baking at 1024^2 with all hardware threads, on real inputs: base colour from
// 404 splat clouds onto a UV-mapped shell around each cloud (a stand-in for the
// extracted, unwrapped LOD0: 36,300 triangles in six charts, 57 % of the atlas
// covered), a TRELLIS mesh's colour onto its own atlas, and a normal map from a dense
// shell (586k triangles, the extracted surface's stand-in) onto the coarse one; plus
// the BVH build, its line search alone and the texel rasterisation. process_cpu_ms
// counts every thread, so it shows the cost when other work shares the machine and
// inflates wall times.
//
//   atlas_bake_bench --benchmark_filter=SplatColour
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "../tests/bake/bake_test_surfaces.h"
#include "bake/colour_bake.h"
#include "bake/mesh_surface.h"
#include "bake/normal_bake.h"
#include "bake/texel_surface.h"
#include "formats/asset_io.h"
#include "geometry/tangents.h"
#include "geometry/triangle_bvh.h"

namespace {

using namespace atlas;

constexpr int kTextureSize = 1024;
// u in [0.1, 0.9], v in [0.1, 0.85], less the gutters between charts: 57 % of the
// atlas, about what a packed unwrap covers.
constexpr test::UvRect kShellRect{0.1f, 0.1f, 0.9f, 0.85f};

// CPU seconds this process has used, every thread counted.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Runs `body` for every iteration and reports the CPU milliseconds all threads spent
// an iteration: on a shared machine, what the work costs whatever else runs.
template <typename Body>
void run(benchmark::State& state, const Body& body) {
  const double before = process_cpu_seconds();
  for (auto _ : state) body();
  state.counters["process_cpu_ms"] = 1e3 * (process_cpu_seconds() - before) /
                                     double(std::max<std::int64_t>(1, state.iterations()));
}

std::filesystem::path testdata(const std::string& relative) {
  return std::filesystem::path(ATLAS_TESTDATA_DIR) / relative;
}

const SplatCloud* cloud(benchmark::State& state, const std::string& file) {
  static std::map<std::string, Result<SplatCloud>> clouds;
  auto found = clouds.find(file);
  if (found == clouds.end()) found = clouds.emplace(file, load_splats(testdata(file))).first;
  if (!found->second.ok()) {
    state.SkipWithError(found->second.error().message.c_str());
    return nullptr;
  }
  return &*found->second;
}

void bake_splats(benchmark::State& state, const std::string& file) {
  const SplatCloud* splats = cloud(state, file);
  if (!splats) return;
  const Primitive shell = test::star_surface(*splats, 55, kShellRect);
  bake::BakeOptions options;
  options.texture_size = kTextureSize;
  run(state, [&] { benchmark::DoNotOptimize(bake::bake_splat_colour(shell, *splats, options)); });
  state.counters["splats"] = double(splats->size());
  state.counters["triangles"] = double(shell.triangle_count());
}

void BM_BakeSplatColourHamburger(benchmark::State& state) {
  bake_splats(state, "splats/404-hamburger.ply");
}

void BM_BakeSplatColourRobocop(benchmark::State& state) {
  bake_splats(state, "splats/404-robocop.spz");
}

void BM_BakeMeshColourTrellis(benchmark::State& state) {
  const Result<Mesh> trellis = load_mesh(testdata("meshes/trellis-sample.glb"));
  if (!trellis.ok()) {
    state.SkipWithError(trellis.error().message.c_str());
    return;
  }
  bake::BakeOptions options;
  options.texture_size = kTextureSize;
  run(state, [&] {
    benchmark::DoNotOptimize(bake::bake_mesh_colour(trellis->primitives[0], *trellis, options));
  });
  state.counters["triangles"] = double(trellis->triangle_count());
}

// The hamburger's coarse shell (LOD0's stand-in) and a dense one (the extracted surface's).
struct Shells {
  Primitive low;
  Mesh high;
};

const Shells* hamburger_shells(benchmark::State& state) {
  static Shells shells;
  const SplatCloud* splats = cloud(state, "splats/404-hamburger.ply");
  if (!splats) return nullptr;
  if (shells.high.primitives.empty()) {
    shells.low = test::star_surface(*splats, 55, kShellRect);
    geometry::compute_tangents(shells.low);
    shells.high.primitives.push_back(test::star_surface(*splats, 221));
  }
  return &shells;
}

void BM_BakeNormalMapHamburgerShells(benchmark::State& state) {
  const Shells* shells = hamburger_shells(state);
  if (!shells) return;
  bake::BakeOptions options;
  options.texture_size = kTextureSize;
  run(state,
      [&] { benchmark::DoNotOptimize(bake::bake_normal_map(shells->low, shells->high, options)); });
  state.counters["high_triangles"] = double(shells->high.triangle_count());
}

void BM_BvhBuildDenseShell(benchmark::State& state) {
  const Shells* shells = hamburger_shells(state);
  if (!shells) return;
  const Primitive& dense = shells->high.primitives[0];
  run(state, [&] {
    const geometry::TriangleBvh bvh(dense.positions, dense.indices);
    benchmark::DoNotOptimize(bvh.triangle_count());
  });
  state.counters["triangles"] = double(dense.triangle_count());
}

// The normal bake's search alone, on one thread: a line through every covered texel of
// the coarse shell along its normal into the dense shell's BVH, as far as the bake looks.
void BM_BvhNearestOnLineDenseShell(benchmark::State& state) {
  const Shells* shells = hamburger_shells(state);
  if (!shells) return;
  const Primitive& dense = shells->high.primitives[0];
  static const geometry::TriangleBvh bvh(dense.positions, dense.indices);
  static const bake::TexelSurface texels = bake::rasterize_texels(shells->low, kTextureSize);
  Bounds bounds;
  for (const Vec3& p : dense.positions) bounds.extend(p);
  const float max_distance = bake::kSearchFraction * length(bounds.size());
  std::int64_t hits = 0;
  run(state, [&] {
    for (const bake::TexelSample& texel : texels.texels) {
      if (texel.triangle < 0) continue;
      hits += bvh.nearest_on_line(texel.position, texel.normal, max_distance).hit;
    }
  });
  state.counters["hits"] = double(hits) / double(std::max<std::int64_t>(1, state.iterations()));
}

void BM_RasterizeTexelsShell(benchmark::State& state) {
  const Shells* shells = hamburger_shells(state);
  if (!shells) return;
  run(state, [&] { benchmark::DoNotOptimize(bake::rasterize_texels(shells->low, kTextureSize)); });
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

BENCHMARK(BM_BakeSplatColourHamburger)->Apply(timed_in_wall_clock);
BENCHMARK(BM_BakeSplatColourRobocop)->Apply(timed_in_wall_clock);
BENCHMARK(BM_BakeMeshColourTrellis)->Apply(timed_in_wall_clock);
BENCHMARK(BM_BakeNormalMapHamburgerShells)->Apply(timed_in_wall_clock);
BENCHMARK(BM_BvhBuildDenseShell)->Apply(timed_in_wall_clock);
BENCHMARK(BM_BvhNearestOnLineDenseShell)->Apply(timed_in_wall_clock);
BENCHMARK(BM_RasterizeTexelsShell)->Apply(timed_in_wall_clock);
