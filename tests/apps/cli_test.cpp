// End-to-end tests of the `atlas` executable: exit codes, messages and outputs.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli_runner.h"
#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

using test::atlas;
using test::CliRun;
using test::quoted;
using test::slurp;

const fs::path kHamburger = test::testdata("splats/404-hamburger.ply");

TEST(Cli, HelpForEveryCommand) {
  for (const char* command : {"--help", "info --help", "convert --help", "render --help",
                              "run game-ready --help", "compare --help"}) {
    const CliRun run = atlas(command);
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_NE(run.out.find("Usage"), std::string::npos) << command;
  }
}

TEST(Cli, NoCommandIsAUsageError) { EXPECT_NE(atlas("").exit_code, 0); }

TEST(Cli, InfoOnThe404Hamburger) {
  const CliRun text = atlas("info " + quoted(kHamburger));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("splats: 52709"), std::string::npos) << text.out;

  const CliRun json = atlas("info --json " + quoted(kHamburger));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto info = nlohmann::json::parse(json.out);
  EXPECT_EQ(info["kind"], "splats");
  EXPECT_EQ(info["format"], "3DGS PLY");
  EXPECT_EQ(info["splats"], 52709);
  EXPECT_EQ(info["sh_degree"], 0);
  EXPECT_GT(info["opacity"]["max"].get<double>(), 0.9);
  EXPECT_LT(info["bounds"]["size"][1].get<double>(), 1.5);
}

TEST(Cli, InfoOnAMesh) {
  const CliRun run = atlas("info --json " + quoted(test::testdata("meshes/trellis-sample.glb")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto info = nlohmann::json::parse(run.out);
  EXPECT_EQ(info["kind"], "mesh");
  EXPECT_EQ(info["triangles"], 9317);
  EXPECT_EQ(info["textures"], 1);
}

TEST(Cli, ErrorsAreOneLineNamingTheFile) {
  const fs::path dir = test::scratch_dir();
  const fs::path garbage = dir / "garbage.ply";
  std::ofstream(garbage) << "this is not a 3D file";
  const fs::path truncated = dir / "truncated.ply";
  const Bytes hamburger = test::must_read(kHamburger);
  std::ofstream(truncated, std::ios::binary)
      .write(reinterpret_cast<const char*>(hamburger.data()), 4000);

  for (const fs::path& path : {dir / "missing.ply", garbage, truncated}) {
    const CliRun run = atlas("info " + quoted(path));
    EXPECT_EQ(run.exit_code, 1) << path;
    EXPECT_TRUE(run.out.empty()) << path;
    EXPECT_NE(run.err.find(path.string()), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

TEST(Cli, ConvertSplatsBetweenFormats) {
  const fs::path dir = test::scratch_dir();
  const CliRun to_spz = atlas("convert " + quoted(kHamburger) + " " + quoted(dir / "h.spz") +
                              " --spz-compression zstd");
  ASSERT_EQ(to_spz.exit_code, 0) << to_spz.err;
  const CliRun back = atlas("convert " + quoted(dir / "h.spz") + " " + quoted(dir / "h.ply"));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  const CliRun to_splat = atlas("convert " + quoted(dir / "h.ply") + " " + quoted(dir / "h.splat"));
  ASSERT_EQ(to_splat.exit_code, 0) << to_splat.err;
  for (const char* name : {"h.spz", "h.ply", "h.splat"}) {
    const CliRun info = atlas("info --json " + quoted(dir / name));
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_EQ(nlohmann::json::parse(info.out)["splats"], 52709) << name;
  }
}

TEST(Cli, ConvertRefusesAnotherKind) {
  const fs::path dir = test::scratch_dir();
  const CliRun run = atlas("convert " + quoted(kHamburger) + " " + quoted(dir / "h.glb"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("holds splats"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir / "h.glb"));
}

TEST(Cli, ConvertMeshToObj) {
  const fs::path dir = test::scratch_dir();
  const CliRun run = atlas("convert " + quoted(test::testdata("meshes/trellis-sample.glb")) + " " +
                           quoted(dir / "t.obj"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const CliRun info = atlas("info --json " + quoted(dir / "t.obj"));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(nlohmann::json::parse(info.out)["triangles"], 9317);
}

// Share of pixels that differ from the white background.
double coverage(const Image& image) {
  std::size_t covered = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* p = image.at(x, y);
      if (p[0] < 245 || p[1] < 245 || p[2] < 245) ++covered;
    }
  }
  return static_cast<double>(covered) / (double(image.width) * image.height);
}

TEST(Cli, RenderOneViewAndAContactSheet) {
  const fs::path dir = test::scratch_dir();
  const CliRun one =
      atlas("render " + quoted(kHamburger) + " -o " + quoted(dir / "one.png") + " --size 256");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto image = decode_image(test::must_read(dir / "one.png"));
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->width, 256);
  EXPECT_EQ(image->height, 256);
  EXPECT_GT(coverage(*image), 0.15);
  EXPECT_LT(coverage(*image), 0.8);

  const CliRun sheet = atlas("render " + quoted(kHamburger) + " -o " + quoted(dir / "sheet.png") +
                             " --size 128 --views 4 --background 0,0,0");
  ASSERT_EQ(sheet.exit_code, 0) << sheet.err;
  auto contact = decode_image(test::must_read(dir / "sheet.png"));
  ASSERT_TRUE(contact.ok()) << contact.error().message;
  EXPECT_GT(contact->width, 2 * 128);
}

TEST(Cli, RenderRejectsBadOptions) {
  const fs::path dir = test::scratch_dir();
  EXPECT_NE(
      atlas("render " + quoted(kHamburger) + " -o " + quoted(dir / "x.png") + " --background 2,0,0")
          .exit_code,
      0);
  EXPECT_NE(atlas("render " + quoted(kHamburger) + " -o " + quoted(dir / "x.png") + " --size 0")
                .exit_code,
            0);
  EXPECT_FALSE(fs::exists(dir / "x.png"));
}

TEST(Cli, RunGameReadyWritesThePackageAndReportsFidelity) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path out = test::scratch_dir();
  const CliRun run = atlas(
      "run game-ready " + quoted(fs::path(ATLAS_SOURCE_DIR) / "examples/404-hamburger.ply") +
      " -o " + quoted(out) + " --triangles 4000 --lods 1,0.9 --texture-size 256 --height 0.5");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("LOD0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("LOD1"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("LOD2"), std::string::npos) << run.out;
  for (const char* name : {"404-hamburger.glb", "404-hamburger_lod0.glb", "404-hamburger_lod1.glb",
                           "report.json", "preview.png"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
  }
  const nlohmann::json report = nlohmann::json::parse(slurp(out / "report.json"));
  EXPECT_LE(report["lods"][0]["triangles"], 4000);
  EXPECT_EQ(report["lods"][0]["textures"][0]["width"], 256);
  // Placed by the cleaned surface: standing on y = 0, as tall as asked.
  Result<Mesh> lod0 = load_mesh(out / "404-hamburger_lod0.glb");
  ASSERT_TRUE(lod0.ok()) << lod0.error().message;
  EXPECT_NEAR(lod0->bounds().min.y, 0, 0.0025);
  EXPECT_NEAR(lod0->bounds().size().y, 0.5, 0.0025);
  // A level this close to LOD0 keeps LOD0's seams at no cost and shares its atlas.
  EXPECT_EQ(report["lods"][1]["atlas"], "shared with LOD0");

  // `atlas compare --place REPORT` measures a level against its raw source as the
  // report did.
  const CliRun compare = atlas(
      "compare " + quoted(fs::path(ATLAS_SOURCE_DIR) / "examples/404-hamburger.ply") + " " +
      quoted(out / "404-hamburger_lod0.glb") + " --json --place " + quoted(out / "report.json"));
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  const nlohmann::json measured = nlohmann::json::parse(compare.out);
  const nlohmann::json& reported = report["lods"][0]["fidelity"];
  EXPECT_EQ(measured["fidelity"]["views"].size(), 16u);
  EXPECT_NEAR(measured["fidelity"]["mean_iou"].get<double>(), reported["mean_iou"].get<double>(),
              0.002);
  EXPECT_NEAR(measured["fidelity"]["mean_psnr"].get<double>(), reported["mean_psnr"].get<double>(),
              0.1);
}

TEST(Cli, CompareMeshesByImagesAndSurfaceDistance) {
  if (test::kSanitized) GTEST_SKIP() << "too slow under sanitizers; the Release run covers it";
  const fs::path spot = test::testdata("meshes/spot.obj");
  CliRun run = atlas("compare " + quoted(spot) + " " + quoted(spot) + " --json --geometry");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json same = nlohmann::json::parse(run.out);
  EXPECT_DOUBLE_EQ(same["fidelity"]["mean_iou"].get<double>(), 1.0);
  EXPECT_LT(same["geometry"]["max"].get<double>(), 1e-6);

  // A coarser version of the same object: close, not identical.
  const fs::path out = test::scratch_dir();
  ASSERT_EQ(atlas("run game-ready " + quoted(spot) + " -o " + quoted(out) +
                  " --triangles 500 --lods 1 --texture-size 128")
                .exit_code,
            0);
  run = atlas("compare " + quoted(spot) + " " + quoted(out / "spot_lod0.glb") +
              " --json --geometry --place " + quoted(out / "report.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json coarse = nlohmann::json::parse(run.out);
  EXPECT_GT(coarse["fidelity"]["mean_iou"].get<double>(), 0.9);
  EXPECT_LT(coarse["fidelity"]["mean_iou"].get<double>(), 1.0);
  EXPECT_GT(coarse["geometry"]["mean"].get<double>(), 0);
  EXPECT_LT(coarse["geometry"]["mean_percent_of_diagonal"].get<double>(), 1.0);

  run = atlas("compare " + quoted(spot) + " " + quoted(kHamburger));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("404-hamburger.ply"), std::string::npos) << run.err;
  run = atlas("compare " + quoted(spot) + " " + quoted(out / "none.glb"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("none.glb"), std::string::npos) << run.err;
  run = atlas("compare " + quoted(spot) + " " + quoted(spot) + " --place " + quoted(spot));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("not a game-ready report.json"), std::string::npos) << run.err;
  std::ofstream(out / "overflowing.json")
      << R"({"placement": {"pivot": [0, 1e39, 0], "scale": 1}})";
  run = atlas("compare " + quoted(spot) + " " + quoted(spot) + " --place " +
              quoted(out / "overflowing.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("not a finite"), std::string::npos) << run.err;
}

TEST(Cli, RunGameReadyRejectsBadOptions) {
  const fs::path out = test::scratch_dir();
  CliRun run =
      atlas("run game-ready " + quoted(kHamburger) + " -o " + quoted(out) + " --lods 1,0.5,0.9");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("--lods"), std::string::npos) << run.err;
  run = atlas("run game-ready " + quoted(kHamburger) + " -o " + quoted(out) +
              " --texture-format gif");
  EXPECT_EQ(run.exit_code, 2);
  run = atlas("run game-ready " + quoted(out / "none.ply") + " -o " + quoted(out));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("none.ply"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace atlas
