// The game-ready package end to end on real 404 splats and real meshes: budgets,
// fidelity floors (issue 3), valid GLBs, provenance and the report.

#include "pipeline/game_ready.h"

#include <algorithm>
#include <array>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "formats/asset_io.h"
#include "formats/glb_container.h"
#include "formats/image_io.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Json read_json(const fs::path& path) {
  const Bytes bytes = test::must_read(path);
  return Json::parse(bytes.begin(), bytes.end(), nullptr, false);
}

Json glb_document(const fs::path& path) {
  const Bytes bytes = test::must_read(path);
  Result<gltf::GlbParts> parts = gltf::split_glb(bytes);
  EXPECT_TRUE(parts.ok()) << path;
  return parts.ok() ? Json::parse(parts->json, nullptr, false) : Json();
}

// The floors of issue 3 for the 404 test files (IoU for every level, 22 dB for LOD0),
// and the colour floors the coarser levels hold today. Coarser levels keep their textures in place:
// a level whose UVs were scrambled falls 8 dB or more under LOD0.
void expect_fidelity_floors(const GameReadyResult& result, const std::string& name,
                            const std::array<double, 3>& psnr_floors) {
  ASSERT_EQ(result.lods.size(), 3u) << name;
  EXPECT_GE(result.lods[0].mean_iou, 0.93) << name;
  EXPECT_GE(result.lods[1].mean_iou, 0.90) << name;
  EXPECT_GE(result.lods[2].mean_iou, 0.85) << name;
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_GE(result.lods[i].mean_psnr, psnr_floors[i]) << name << " LOD" << i;
  for (const LodRecord& lod : result.lods) {
    std::printf("%-28s %7zu triangles  IoU %.3f (min %.3f)  PSNR %.2f dB  SSIM %.3f\n",
                name.c_str(), lod.triangles, lod.mean_iou, lod.min_iou, lod.mean_psnr,
                lod.mean_ssim);
  }
}

bool has_warning(const GameReadyResult& result, const std::string& words) {
  return std::any_of(
      result.warnings.begin(), result.warnings.end(),
      [&](const std::string& warning) { return warning.find(words) != std::string::npos; });
}

TEST(GameReady, HamburgerPackageMeetsBudgetsFloorsAndValidates) {
  if (test::kSanitized) GTEST_SKIP() << "too slow under sanitizers; the Release run covers it";
  const fs::path input = test::testdata("splats/404-hamburger.ply");
  const fs::path out = test::scratch_dir();
  GameReadyOptions options;
  options.vertex_color_variant = true;
  std::vector<std::string> observed;
  Result<GameReadyResult> result = run_game_ready(
      input, out, options, [&](const std::string& step) { observed.push_back(step); });
  ASSERT_TRUE(result.ok()) << result.error().message;
  expect_fidelity_floors(*result, "404-hamburger.ply", {22.0, 22.0, 18.0});
  EXPECT_TRUE(result->warnings.empty()) << testing::PrintToString(result->warnings);

  // Budgets: LOD0 within 20,000 triangles, each level within its ratio of LOD0.
  const std::size_t lod0 = result->lods[0].triangles;
  EXPECT_LE(lod0, 20000u);
  EXPECT_GT(lod0, 15000u);
  EXPECT_LE(result->lods[1].triangles, std::size_t(0.25 * lod0 + 1));
  EXPECT_LE(result->lods[2].triangles, std::size_t(0.06 * lod0 + 1));

  // Files: one GLB with every level, one a level, the vertex-colour variant, the report.
  std::vector<fs::path> glbs = {out / "404-hamburger.glb", out / "404-hamburger_lod0.glb",
                                out / "404-hamburger_lod1.glb", out / "404-hamburger_lod2.glb",
                                out / "404-hamburger_vertex_colors.glb"};
  for (const fs::path& glb : glbs) EXPECT_TRUE(fs::exists(glb)) << glb;
  EXPECT_TRUE(fs::exists(out / "preview.png"));

  const Json all = glb_document(glbs[0]);
  EXPECT_EQ(all["nodes"][0]["extensions"]["MSFT_lod"]["ids"], Json::array({1, 2}));
  EXPECT_EQ(all["nodes"][0]["extras"]["MSFT_screencoverage"].size(), 3u);
  // A level that shares LOD0's atlas adds nothing; one with its own atlas adds its
  // material and two maps, at the size for its share of LOD0's triangles.
  std::size_t atlases = 1;
  for (std::size_t i = 1; i < result->lods.size(); ++i) {
    if (result->lods[i].shares_lod0_atlas) continue;
    ++atlases;
    Result<Mesh> level = load_mesh(out / result->lods[i].file);
    ASSERT_TRUE(level.ok()) << level.error().message;
    ASSERT_EQ(level->images.size(), 2u);
    EXPECT_EQ(level->images[0].pixels.width, i == 1 ? 512 : 256);
  }
  EXPECT_EQ(all["images"].size(), 2 * atlases);
  EXPECT_EQ(all["materials"].size(), atlases);
  const Json& provenance = all["asset"]["extras"]["atlas"];
  EXPECT_EQ(provenance["source"]["sha256"], sha256_hex(test::must_read(input)));
  EXPECT_EQ(provenance["parameters"]["triangles"], 20000);
  EXPECT_FALSE(provenance["steps"].empty());

  // Placement: pivot at the bottom centre.
  Result<Mesh> lod0_mesh = load_mesh(glbs[1]);
  ASSERT_TRUE(lod0_mesh.ok()) << lod0_mesh.error().message;
  const Bounds bounds = lod0_mesh->bounds();
  const float extent = bounds.longest_side();
  EXPECT_NEAR(bounds.center().x, 0, 0.01 * extent);
  EXPECT_NEAR(bounds.center().z, 0, 0.01 * extent);
  EXPECT_NEAR(bounds.min.y, 0, 0.002 * extent);
  ASSERT_EQ(lod0_mesh->images.size(), 2u);
  EXPECT_EQ(lod0_mesh->images[0].pixels.width, 1024);
  EXPECT_EQ(lod0_mesh->primitives[0].tangents.size(), lod0_mesh->primitives[0].positions.size());

  const Json report = read_json(result->report_path);
  ASSERT_EQ(report["lods"].size(), 3u);
  EXPECT_EQ(report["lods"][0]["fidelity"]["views"].size(), 16u);
  EXPECT_EQ(report["lods"][0]["triangles"], lod0);
  EXPECT_GT(report["lods"][0]["file_bytes"], 0);
  EXPECT_GE(report["uv_atlas"]["packing_efficiency"], 0.6);
  for (const Json& step : report["steps"]) {
    EXPECT_GE(step["seconds"], 0);
    EXPECT_GT(step["peak_rss_bytes"], 0);
  }
  EXPECT_EQ(observed.size(), report["steps"].size());

  if (!test::gltf_validator_available()) GTEST_SKIP() << "glTF validator not installed";
  const test::ValidatorRun run = test::run_gltf_validator(glbs);
  ASSERT_EQ(run.reports.size(), glbs.size()) << run.output;
  for (const std::string& line : run.reports) {
    const Json validation = Json::parse(line);
    EXPECT_EQ(validation["numErrors"], 0) << line;
    EXPECT_EQ(validation["numWarnings"], 0) << line;
  }
}

TEST(GameReady, MonkeyAndRobocopMeetTheFidelityFloors) {
  if (test::kSanitized) GTEST_SKIP() << "too slow under sanitizers; the Release run covers it";
  for (const auto& [name, psnr_floor] :
       {std::pair{"404-monkey.ply", std::array{22.0, 21.0, 17.5}},
        std::pair{"404-robocop.spz", std::array{22.0, 17.0, 11.5}}}) {
    Result<GameReadyResult> result = run_game_ready(test::testdata(std::string("splats/") + name),
                                                    test::scratch_dir() / name, GameReadyOptions{});
    ASSERT_TRUE(result.ok()) << result.error().message;
    expect_fidelity_floors(*result, name, psnr_floor);
    EXPECT_FALSE(has_warning(*result, "faint")) << name;
    EXPECT_FALSE(has_warning(*result, "large for the object")) << name;
  }
}

TEST(GameReady, PoorInputIsReportedWithItsFigures) {
  // The DreamGaussian blob matches its own fuzzy render well (IoU 0.98, 24 dB), so the
  // fidelity floors cannot flag it; its splats' faintness and size do.
  if (test::kSanitized) GTEST_SKIP() << "too slow under sanitizers; the Release run covers it";
  Result<GameReadyResult> result = run_game_ready(
      test::testdata("splats/404-dreamgaussian-blob.ply"), test::scratch_dir(), GameReadyOptions{});
  ASSERT_TRUE(result.ok()) << result.error().message;
  for (const LodRecord& lod : result->lods)
    std::printf("404-dreamgaussian-blob.ply  %7zu triangles  IoU %.3f  PSNR %.2f dB\n",
                lod.triangles, lod.mean_iou, lod.mean_psnr);
  EXPECT_EQ(result->lods.size(), 3u);
  EXPECT_TRUE(has_warning(*result, "faint")) << testing::PrintToString(result->warnings);
  EXPECT_TRUE(has_warning(*result, "large for the object"));
}

TEST(GameReady, MeshInputIsBakedHighToLow) {
  // The helmet's own 2048² textures and normal map are the high-poly source.
  const fs::path out = test::scratch_dir();
  GameReadyOptions options;
  options.triangles = 8000;
  options.texture_size = 512;
  options.texture_format = TextureFormat::Jpeg;
  options.height_metres = 1.8f;
  Result<GameReadyResult> result =
      run_game_ready(test::testdata("meshes/DamagedHelmet.glb"), out, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LE(result->lods[0].triangles, 8000u);
  EXPECT_GE(result->lods[0].mean_iou, 0.98);
  EXPECT_GE(result->lods[0].mean_psnr, 20.0);
  Result<Mesh> lod0 = load_mesh(out / "DamagedHelmet_lod0.glb");
  ASSERT_TRUE(lod0.ok()) << lod0.error().message;
  EXPECT_NEAR(lod0->bounds().size().y, 1.8f, 0.02f);
  EXPECT_EQ(lod0->images[0].mime_type, "image/jpeg");
  EXPECT_EQ(lod0->images[0].pixels.width, 512);
}

TEST(GameReady, BadOptionsAndInputsAreClearErrors) {
  GameReadyOptions options;
  options.lod_ratios = {1, 0.5f, 0.7f};
  Result<GameReadyResult> result =
      run_game_ready(test::testdata("splats/404-hamburger.ply"), test::scratch_dir(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("--lods"), std::string::npos);

  options = GameReadyOptions{};
  options.texture_size = 1000;
  EXPECT_FALSE(validate(options).ok());

  const fs::path missing = test::scratch_dir() / "missing.ply";
  result = run_game_ready(missing, test::scratch_dir(), GameReadyOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("missing.ply"), std::string::npos);

  const fs::path garbage = test::scratch_dir() / "garbage.spz";
  ASSERT_TRUE(write_file_atomic(garbage, Bytes(100, 0x5a)).ok());
  result = run_game_ready(garbage, test::scratch_dir(), GameReadyOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("garbage.spz"), std::string::npos);
}

}  // namespace
}  // namespace atlas::pipeline
