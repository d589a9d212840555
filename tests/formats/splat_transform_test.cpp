// Cross-checks with PlayCanvas splat-transform (npm, pinned in tools/npm): files Atlas
// writes are read by it with the same count and statistics, and files it writes are
// read by Atlas with the same count and statistics.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

const fs::path kTool = fs::path(ATLAS_SOURCE_DIR) / "tools/npm/node_modules/.bin/splat-transform";

std::string run_command(const std::string& command, int& exit_code) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string output;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof(buffer), pipe.get())) output += buffer;
  const int status = pclose(pipe.release());
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// splat-transform's statistics of a file: column name -> {min, max, median}, activated
// (opacity through the sigmoid, scales through exp, f_dc as colour).
struct ColumnStats {
  double min, max, median;
};
struct ToolStats {
  std::size_t count = 0;
  int sh_bands = 0;
  std::map<std::string, ColumnStats> columns;
};

ToolStats tool_stats(const fs::path& file) {
  int exit_code = 0;
  const std::string output = run_command(
      "node '" + kTool.string() + "' -q '" + file.string() + "' --stats json null 2>&1", exit_code);
  EXPECT_EQ(exit_code, 0) << output;
  ToolStats stats;
  const auto json = nlohmann::json::parse(output, nullptr, false);
  if (json.is_discarded()) {
    ADD_FAILURE() << "splat-transform printed no JSON: " << output;
    return stats;
  }
  stats.count = json["numGaussians"];
  stats.sh_bands = json["shBands"];
  const auto& lod = json["stats"][0];
  for (std::size_t i = 0; i < lod["columns"].size(); ++i) {
    stats.columns[lod["columns"][i]] = {lod["data"]["min"][i], lod["data"]["max"][i],
                                        lod["data"]["median"][i]};
  }
  return stats;
}

ColumnStats describe(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  return {values.front(), values.back(), values[values.size() / 2]};
}

// SPZ stores log-scales from -10 up, so smaller scales come back as exp(-10).
constexpr float kSpzMinLogScale = -10.0f;

// The same statistics computed from Atlas's decoded cloud, with log-scales clamped from
// below at `min_log_scale` as a lossy format stores them.
std::map<std::string, ColumnStats> atlas_stats(const SplatCloud& cloud,
                                               float min_log_scale = -INFINITY) {
  std::map<std::string, std::vector<float>> columns;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Vec3 p = cloud.positions[i], dc = cloud.sh_dc[i];
    const Vec3 s{std::max(cloud.log_scales[i].x, min_log_scale),
                 std::max(cloud.log_scales[i].y, min_log_scale),
                 std::max(cloud.log_scales[i].z, min_log_scale)};
    columns["x"].push_back(p.x);
    columns["y"].push_back(p.y);
    columns["z"].push_back(p.z);
    columns["opacity"].push_back(sigmoid(cloud.opacity_logits[i]));
    columns["scale_0"].push_back(std::exp(s.x));
    columns["scale_1"].push_back(std::exp(s.y));
    columns["scale_2"].push_back(std::exp(s.z));
    columns["f_dc_0"].push_back(colour_from_sh_dc(dc.x));
    columns["f_dc_1"].push_back(colour_from_sh_dc(dc.y));
    columns["f_dc_2"].push_back(colour_from_sh_dc(dc.z));
  }
  std::map<std::string, ColumnStats> stats;
  for (auto& [name, values] : columns) stats[name] = describe(std::move(values));
  return stats;
}

// splat-transform reports an approximate (binned) median, so medians only agree to about
// this share of the column's range even for lossless files.
constexpr double kMedianResolution = 0.01;

// Whether two statistics agree within a format's quantisation `tolerance`: absolute for
// positions, colours and opacity; relative (four times as wide, as log-scales are
// quantised) for scales.
bool agree(const std::string& column, double a, double b, double tolerance) {
  if (column.starts_with("scale")) return std::abs(a - b) <= 4 * tolerance * std::abs(a) + 1e-7;
  return std::abs(a - b) <= tolerance;
}

void expect_matching(const std::map<std::string, ColumnStats>& ours, const ToolStats& theirs,
                     double tolerance, const std::string& what) {
  for (const auto& [name, expected] : ours) {
    const auto found = theirs.columns.find(name);
    ASSERT_NE(found, theirs.columns.end()) << what << ": splat-transform has no column " << name;
    const ColumnStats& actual = found->second;
    const double median_tolerance =
        std::max(tolerance, kMedianResolution * (expected.max - expected.min));
    EXPECT_TRUE(agree(name, expected.median, actual.median, median_tolerance))
        << what << " " << name << " median: atlas " << expected.median << ", splat-transform "
        << actual.median;
    EXPECT_TRUE(agree(name, expected.min, actual.min, tolerance))
        << what << " " << name << " min: atlas " << expected.min << ", splat-transform "
        << actual.min;
    EXPECT_TRUE(agree(name, expected.max, actual.max, tolerance))
        << what << " " << name << " max: atlas " << expected.max << ", splat-transform "
        << actual.max;
  }
}

class SplatTransformCrossCheck : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!fs::exists(kTool))
      GTEST_SKIP() << "splat-transform is not installed (scripts/install-deps.sh --test)";
  }
};

TEST_P(SplatTransformCrossCheck, ItReadsWhatAtlasWrites) {
  auto source = load_splats(test::testdata(GetParam()));
  ASSERT_TRUE(source.ok()) << source.error().message;
  const auto expected = atlas_stats(*source);
  const auto expected_spz = atlas_stats(*source, kSpzMinLogScale);
  const fs::path dir = test::scratch_dir();

  struct Output {
    const char* name;
    SplatWriteOptions options;
    double tolerance;  // the format's quantisation
  };
  const Output outputs[] = {
      {"atlas.ply", {}, 1e-5},
      {"atlas-v2.spz", {2, Compression::Gzip}, 0.02},
      {"atlas-v3.spz", {3, Compression::Gzip}, 0.02},
  };
  for (const Output& output : outputs) {
    ASSERT_TRUE(save_splats(*source, dir / output.name, output.options).ok()) << output.name;
    const ToolStats stats = tool_stats(dir / output.name);
    EXPECT_EQ(stats.count, source->size()) << output.name;
    EXPECT_EQ(stats.sh_bands, source->sh_degree) << output.name;
    const bool spz = fs::path(output.name).extension() == ".spz";
    expect_matching(spz ? expected_spz : expected, stats, output.tolerance, output.name);
  }
}

TEST_P(SplatTransformCrossCheck, AtlasReadsWhatItWrites) {
  auto source = load_splats(test::testdata(GetParam()));
  ASSERT_TRUE(source.ok()) << source.error().message;
  const auto expected = atlas_stats(*source);
  const fs::path dir = test::scratch_dir();

  struct Output {
    const char* name;
    const char* options;
    double tolerance;
  };
  const Output outputs[] = {
      {"st.ply", "", 1e-5},
      {"st-v3.spz", "--spz-version 3", 0.02},
      {"st-v4.spz", "--spz-version 4", 0.02},
  };
  for (const Output& output : outputs) {
    int exit_code = 0;
    const std::string log =
        run_command("node '" + kTool.string() + "' -q -w '" + test::testdata(GetParam()).string() +
                        "' " + output.options + " '" + (dir / output.name).string() + "' 2>&1",
                    exit_code);
    ASSERT_EQ(exit_code, 0) << log;
    auto read = load_splats(dir / output.name);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->size(), source->size()) << output.name;
    EXPECT_EQ(read->sh_degree, source->sh_degree) << output.name;
    const auto actual = atlas_stats(*read);
    for (const auto& [name, stats] : expected) {
      EXPECT_TRUE(agree(name, stats.median, actual.at(name).median, output.tolerance))
          << output.name << " " << name << " median: source " << stats.median << ", read back "
          << actual.at(name).median;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RealFiles, SplatTransformCrossCheck,
                         ::testing::Values("splats/404-hamburger.ply",
                                           "splats/train-1000-sh3.ply"));

}  // namespace
}  // namespace atlas
