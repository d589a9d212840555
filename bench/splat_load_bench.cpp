// Time to load each real splat file (read from disk, detect, decode, validate).
// Run: build/release/bench/atlas_splat_load_bench --benchmark_repetitions=7
//      --benchmark_report_aggregates_only=true   (medians are the figures to quote)

#include <benchmark/benchmark.h>

#include <filesystem>

#include "formats/asset_io.h"

namespace {

void load(benchmark::State& state, const std::filesystem::path& path) {
  std::size_t splats = 0;
  for (auto _ : state) {
    auto cloud = atlas::load_splats(path);
    if (!cloud.ok()) {
      state.SkipWithError(cloud.error().message.c_str());
      return;
    }
    splats = cloud->size();
    benchmark::DoNotOptimize(cloud->positions.data());
  }
  state.counters["splats"] = static_cast<double>(splats);
  state.counters["splats/s"] = benchmark::Counter(static_cast<double>(splats),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
  const std::filesystem::path folder = std::filesystem::path(ATLAS_TESTDATA_DIR) / "splats";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    benchmark::RegisterBenchmark(("load/" + path.filename().string()).c_str(), load, path)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return 0;
}();

}  // namespace
