// Encode and decode costs of each splat format on the real 404 robocop (267,776 splats),
// stage by stage, in memory: what `atlas convert` spends besides file IO.
// Run: build/release/bench/atlas_splat_codec_bench --benchmark_repetitions=7
//      --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <filesystem>

#include "formats/asset_io.h"

namespace {

const atlas::SplatCloud& robocop() {
  static const atlas::SplatCloud cloud = [] {
    auto loaded =
        atlas::load_splats(std::filesystem::path(ATLAS_TESTDATA_DIR) / "splats/404-robocop.spz");
    return loaded.ok() ? std::move(loaded).value() : atlas::SplatCloud{};
  }();
  return cloud;
}

void encode(benchmark::State& state, atlas::Format format, int spz_version,
            atlas::Compression compression) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    atlas::Bytes encoded;
    switch (format) {
      case atlas::Format::Spz:
        encoded = atlas::encode_spz(robocop(), spz_version, compression);
        break;
      case atlas::Format::AntimatterSplat:
        encoded = atlas::encode_antimatter_splat(robocop());
        break;
      default:
        encoded = atlas::encode_ply_splats(robocop());
        break;
    }
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void decode(benchmark::State& state, atlas::Format format, int spz_version,
            atlas::Compression compression) {
  atlas::Bytes encoded;
  std::string extension = "ply";
  if (format == atlas::Format::Spz) {
    encoded = atlas::encode_spz(robocop(), spz_version, compression);
    extension = "spz";
  } else if (format == atlas::Format::AntimatterSplat) {
    encoded = atlas::encode_antimatter_splat(robocop());
    extension = "splat";
  } else {
    encoded = atlas::encode_ply_splats(robocop());
  }
  for (auto _ : state) {
    auto cloud = atlas::decode_splats(encoded, extension);
    if (!cloud.ok()) {
      state.SkipWithError(cloud.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(cloud->positions.data());
  }
}

#define ATLAS_CODEC_BENCH(name, ...)                                                          \
  BENCHMARK_CAPTURE(encode, name, __VA_ARGS__)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK_CAPTURE(decode, name, __VA_ARGS__)->Unit(benchmark::kMillisecond)->UseRealTime()

ATLAS_CODEC_BENCH(ply, atlas::Format::PlySplats, 0, atlas::Compression::None);
ATLAS_CODEC_BENCH(spz_v2_gzip, atlas::Format::Spz, 2, atlas::Compression::Gzip);
ATLAS_CODEC_BENCH(spz_v2_zstd, atlas::Format::Spz, 2, atlas::Compression::Zstd);
ATLAS_CODEC_BENCH(spz_v3_gzip, atlas::Format::Spz, 3, atlas::Compression::Gzip);
ATLAS_CODEC_BENCH(splat, atlas::Format::AntimatterSplat, 0, atlas::Compression::None);

}  // namespace
