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
  const std::string output =
      run_command("node '" + kTool.string() + "' -q '" + file.string() + "' --stats json null 2>&1", exit_code);
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
    stats.columns[lod["columns"][i]] = {lod["data"]["min"][i], lod["data"]["max"][i], lod["data"]["median"][i]};
  }
  return stats;
}

ColumnStats describe(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  return {values.front(), values.back(), values[values.size() / 2]};
}

// The same statistics computed from Atlas's decoded cloud.
std::map<std::string, ColumnStats> atlas_stats(const SplatCloud& cloud) {
  std::map<std::string, std::vector<float>> columns;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Vec3 p = cloud.positions[i], s = cloud.log_scales[i], dc = cloud.sh_dc[i];
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

// Medians and extremes agree within `tolerance` (absolute, or relative for scales).
void expect_matching(const std::map<std::string, ColumnStats>& ours, const ToolStats& theirs, double tolerance,
                     const std::string& what) {
  for (const auto& [name, expected] : ours) {
    const auto found = theirs.columns.find(name);
    ASSERT_NE(found, theirs.columns.end()) << what << ": splat-transform has no column " << name;
    const ColumnStats& actual = found->second;
    const bool relative = name.starts_with("scale");
    auto near = [&](double a, double b) {
      return std::abs(a - b) <= (relative ? tolerance * std::max(std::abs(a), 1e-4) * 10 : tolerance);
    };
    EXPECT_TRUE(near(expected.median, actual.median))
        << what << " " << name << " median: atlas " << expected.median << ", splat-transform " << actual.median;
    if (name.starts_with("x") || name.starts_with("y") || name.starts_with("z") || name == "opacity") {
      EXPECT_TRUE(near(expected.min, actual.min)) << what << " " << name << " min";
      EXPECT_TRUE(near(expected.max, actual.max)) << what << " " << name << " max";
    }
  }
}

class SplatTransformCrossCheck : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!fs::exists(kTool)) GTEST_SKIP() << "splat-transform is not installed (scripts/install-deps.sh --test)";
  }
};

TEST_P(SplatTransformCrossCheck, ItReadsWhatAtlasWrites) {
  auto source = load_splats(test::testdata(GetParam()));
  ASSERT_TRUE(source.ok()) << source.error().message;
  const auto expected = atlas_stats(*source);
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
    expect_matching(expected, stats, output.tolerance, output.name);
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
    const std::string log = run_command("node '" + kTool.string() + "' -q -w '" + test::testdata(GetParam()).string() +
                                            "' " + output.options + " '" + (dir / output.name).string() + "' 2>&1",
                                        exit_code);
    ASSERT_EQ(exit_code, 0) << log;
    auto read = load_splats(dir / output.name);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->size(), source->size()) << output.name;
    EXPECT_EQ(read->sh_degree, source->sh_degree) << output.name;
    const auto actual = atlas_stats(*read);
    for (const auto& [name, stats] : expected) {
      EXPECT_NEAR(actual.at(name).median, stats.median,
                  name.starts_with("scale") ? output.tolerance * stats.median * 10 : output.tolerance)
          << output.name << " " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RealFiles, SplatTransformCrossCheck,
                         ::testing::Values("splats/404-hamburger.ply", "splats/train-1000-sh3.ply"));

}  // namespace
}  // namespace atlas
