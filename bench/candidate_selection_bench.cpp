// Best-of-N selection on the measured task: 404's hamburger, the DreamGaussian
// blob and a truncated hamburger (60 % of its bytes), from the downloaded bytes to the
// winner: decoding, 404's rejections, floaters and the four 128² views of each.
//
//   atlas_candidate_selection_bench --benchmark_repetitions=7
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "core/file_io.h"
#include "providers/candidate_selection.h"

namespace {

using namespace atlas;

Result<pipeline::EncodedAsset> read_candidate(const std::string& relative) {
  Result<Bytes> bytes = read_file(std::filesystem::path(ATLAS_TESTDATA_DIR) / relative);
  if (!bytes) return bytes.error();
  return pipeline::EncodedAsset{std::move(bytes).value(), "ply"};
}

void BM_SelectHamburgerBlobTruncated(benchmark::State& state) {
  Result<pipeline::EncodedAsset> hamburger = read_candidate("splats/404-hamburger.ply");
  Result<pipeline::EncodedAsset> blob = read_candidate("splats/404-dreamgaussian-blob.ply");
  if (!hamburger || !blob) {
    state.SkipWithError((hamburger ? blob : hamburger).error().message.c_str());
    return;
  }
  pipeline::EncodedAsset truncated = *hamburger;
  truncated.bytes.resize(truncated.bytes.size() * 6 / 10);
  const std::vector<pipeline::EncodedAsset> candidates{*hamburger, *blob, truncated};
  for (auto _ : state) {
    const providers::Selection selection = providers::select_best_candidate(candidates);
    if (selection.winner != std::optional<std::size_t>(0)) {
      state.SkipWithError("the hamburger did not win");
      return;
    }
    benchmark::DoNotOptimize(selection);
  }
}

}  // namespace

BENCHMARK(BM_SelectHamburgerBlobTruncated)->Unit(benchmark::kMillisecond);
