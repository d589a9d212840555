#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "op_test_support.h"
#include "pipeline/op.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

OpContext context_for(const std::string& op_name) {
  return test::op_context(*find_op(op_name), {}, {}, "q");
}

Result<Values> run(const OpContext& context, const std::string& op_name) {
  return find_op(op_name)->run(context);
}

const Report& report_of(const Result<Values>& outputs) { return *outputs->at("report").report(); }

const Mesh& trellis() {
  static const Mesh mesh = [] {
    Result<Mesh> loaded = load_mesh(test::testdata("meshes/trellis-sample.glb"));
    EXPECT_TRUE(loaded.ok()) << (loaded ? "" : loaded.error().message);
    return loaded ? std::move(loaded).value() : Mesh{};
  }();
  return mesh;
}

// A unit cube as glTF stores one: 24 vertices (four a face, for flat normals), so its
// faces share no vertex until welded.
Primitive split_cube(Vec3 origin, float side) {
  Primitive cube;
  const Vec3 axes[3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int axis = 0; axis < 3; ++axis) {
    const Vec3 u = axes[(axis + 1) % 3], v = axes[(axis + 2) % 3], n = axes[axis];
    for (int side_of = 0; side_of < 2; ++side_of) {
      const Vec3 base = origin + n * (side_of * side);
      const auto first = static_cast<std::uint32_t>(cube.positions.size());
      cube.positions.push_back(base);
      cube.positions.push_back(base + u * side);
      cube.positions.push_back(base + u * side + v * side);
      cube.positions.push_back(base + v * side);
      // Outward winding: counter-clockwise seen from outside.
      if (side_of == 1) {
        cube.indices.insert(cube.indices.end(),
                            {first, first + 1, first + 2, first, first + 2, first + 3});
      } else {
        cube.indices.insert(cube.indices.end(),
                            {first, first + 2, first + 1, first, first + 3, first + 2});
      }
    }
  }
  return cube;
}

nlohmann::json details_of(const Report& report) {
  return nlohmann::json::parse(report.details_json);
}

const nlohmann::json* check_named(const nlohmann::json& details, const std::string& name) {
  for (const nlohmann::json& check : details["checks"])
    if (check["name"] == name) return &check;
  return nullptr;
}

TEST(ValidateOp, MeasuresARealMeshAndPassesWithoutLimits) {
  const Mesh& mesh = trellis();
  ASSERT_GT(mesh.triangle_count(), 0u);
  OpContext context = context_for("validate");
  context.inputs["model"] = Value(mesh);
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_EQ(report.metrics.at("triangles"), double(mesh.triangle_count()));
  EXPECT_EQ(report.metrics.at("levels"), 1);
  EXPECT_EQ(report.metrics.at("draw_calls"), double(mesh.primitives.size()));
  int longest = 0;
  for (const MeshImage& image : mesh.images)
    longest = std::max({longest, image.pixels.width, image.pixels.height});
  EXPECT_EQ(report.metrics.at("texture_max_side"), longest);
  EXPECT_GE(report.metrics.at("components"), 1);
  EXPECT_TRUE(report.metrics.contains("boundary_edges"));
  EXPECT_TRUE(report.metrics.contains("non_manifold_edges"));
  EXPECT_EQ(report.metrics.at("file_bytes"), 0);
  EXPECT_EQ(report.metrics.at("passed"), 1);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_TRUE(details_of(report)["checks"].empty());
}

TEST(ValidateOp, ATriangleBudgetBelowTheMeshFailsAndNamesTheCheck) {
  const Mesh& mesh = trellis();
  OpContext context = context_for("validate");
  context.inputs["model"] = Value(LodChain{mesh, mesh});
  context.params["max_triangles"] = std::int64_t(mesh.triangle_count() - 1);
  context.params["max_draw_calls"] = std::int64_t(mesh.primitives.size());
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_EQ(report.metrics.at("levels"), 2);
  EXPECT_EQ(report.metrics.at("passed"), 0);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("max_triangles"), std::string::npos) << report.warnings[0];
  const nlohmann::json details = details_of(report);
  EXPECT_EQ(details["levels"].size(), 2u);
  const nlohmann::json* triangles = check_named(details, "max_triangles");
  ASSERT_NE(triangles, nullptr);
  EXPECT_EQ((*triangles)["value"], double(mesh.triangle_count()));
  EXPECT_EQ((*triangles)["limit"], double(mesh.triangle_count() - 1));
  EXPECT_FALSE((*triangles)["passed"]);
  const nlohmann::json* draw_calls = check_named(details, "max_draw_calls");
  ASSERT_NE(draw_calls, nullptr);
  EXPECT_TRUE((*draw_calls)["passed"]);
}

TEST(ValidateOp, ATextureLargerThanTheLimitFailsThatCheck) {
  Result<Mesh> helmet = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  ASSERT_TRUE(helmet.ok()) << helmet.error().message;
  OpContext context = context_for("validate");
  context.inputs["model"] = Value(std::move(helmet).value());
  context.params["max_texture_size"] = std::int64_t{1024};
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_EQ(report.metrics.at("texture_max_side"), 2048);
  EXPECT_EQ(report.metrics.at("passed"), 0);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0],
            "check max_texture_size failed: a texture is 2048 px on its longest side, over "
            "max_texture_size 1024");
}

TEST(ValidateOp, AClosedCubeIsWatertightOnceItsSeamsAreWelded) {
  Mesh cube;
  cube.primitives.push_back(split_cube({0, 0, 0}, 1));
  OpContext context = context_for("validate");
  context.inputs["model"] = Value(cube);
  context.params["watertight"] = true;
  context.params["manifold"] = true;
  context.params["max_floaters"] = std::int64_t{0};
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_EQ(report.metrics.at("boundary_edges"), 0);
  EXPECT_EQ(report.metrics.at("non_manifold_edges"), 0);
  EXPECT_EQ(report.metrics.at("components"), 1);
  EXPECT_EQ(report.metrics.at("passed"), 1);
}

TEST(ValidateOp, OpenEdgesFloatersAndFinsFailTheirChecks) {
  Primitive surface = split_cube({0, 0, 0}, 1);
  surface.indices.resize(surface.indices.size() - 3);  // one triangle missing: three open edges
  const Primitive speck = split_cube({5, 5, 5}, 0.01f);
  const auto base = static_cast<std::uint32_t>(surface.positions.size());
  surface.positions.insert(surface.positions.end(), speck.positions.begin(), speck.positions.end());
  for (std::uint32_t index : speck.indices) surface.indices.push_back(base + index);
  // A fin: a third face on one of the cube's edges, (0,0,0)-(1,0,0).
  const auto fin = static_cast<std::uint32_t>(surface.positions.size());
  surface.positions.insert(surface.positions.end(), {{0, 0, 0}, {1, 0, 0}, {0.5f, -1, -1}});
  surface.indices.insert(surface.indices.end(), {fin, fin + 1, fin + 2});
  Mesh mesh;
  mesh.primitives.push_back(surface);

  OpContext context = context_for("validate");
  context.inputs["model"] = Value(mesh);
  context.params["watertight"] = true;
  context.params["manifold"] = true;
  context.params["max_floaters"] = std::int64_t{0};
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  // The missing triangle's three edges, and the fin's two free edges.
  EXPECT_EQ(report.metrics.at("boundary_edges"), 5);
  EXPECT_EQ(report.metrics.at("non_manifold_edges"), 1);
  EXPECT_EQ(report.metrics.at("components"), 2);
  EXPECT_EQ(report.metrics.at("floaters"), 1);
  EXPECT_EQ(report.metrics.at("passed"), 0);
  ASSERT_EQ(report.warnings.size(), 3u);
  const std::string all = report.warnings[0] + report.warnings[1] + report.warnings[2];
  for (const char* name : {"manifold", "watertight", "max_floaters"})
    EXPECT_NE(all.find(std::string("check ") + name + " failed"), std::string::npos) << all;
}

TEST(ValidateOp, ChecksTheExportedFiles) {
  Mesh cube;
  cube.primitives.push_back(split_cube({0, 0, 0}, 1));
  FileSet files;
  for (bool binary : {true, false})
    for (OutputFile& file : encode_gltf(cube, binary, "cube")) files.push_back(std::move(file));
  ASSERT_EQ(files[1].name, "cube.gltf");  // its buffer, cube.bin, is another of the files
  files.push_back({"broken.glb", Bytes{'g', 'l', 'T', 'F', 2, 0, 0, 0}});
  std::size_t largest = 0;
  for (const OutputFile& file : files) largest = std::max(largest, file.bytes.size());

  OpContext context = context_for("validate");
  context.inputs["model"] = Value(cube);
  context.inputs["files"] = Value(files);
  context.params["max_file_bytes"] = std::int64_t(largest - 1);
  const Result<Values> outputs = run(context, "validate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_EQ(report.metrics.at("file_bytes"), double(largest));
  EXPECT_EQ(report.metrics.at("passed"), 0);
  const nlohmann::json details = details_of(report);
  ASSERT_NE(check_named(details, "max_file_bytes"), nullptr);
  EXPECT_FALSE((*check_named(details, "max_file_bytes"))["passed"]);
  const nlohmann::json* gltf = check_named(details, "gltf");
  ASSERT_NE(gltf, nullptr);
  EXPECT_EQ((*gltf)["value"], 1);
  EXPECT_EQ(details["files"][0]["gltf"], "decodes");
  EXPECT_EQ(details["files"][1]["gltf"], "decodes");
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[1].find("broken.glb"), std::string::npos) << report.warnings[1];
}

TEST(ValidateOp, RefusesASplatAndAFileLimitWithoutFiles) {
  SplatCloud cloud;
  cloud.resize(1);
  OpContext context = context_for("validate");
  context.inputs["model"] = Value(cloud);
  Result<Values> outputs = run(context, "validate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'q': model must be a mesh or a LOD chain, got a splat");

  Mesh cube;
  cube.primitives.push_back(split_cube({0, 0, 0}, 1));
  context.inputs["model"] = Value(cube);
  context.params["max_file_bytes"] = std::int64_t{1000};
  outputs = run(context, "validate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_NE(outputs.error().message.find("max_file_bytes"), std::string::npos);
}

TEST(ScoreOp, AMeshAgainstItselfScoresFullMarksAtEveryLevel) {
  const Mesh& mesh = trellis();
  OpContext context = context_for("score");
  context.inputs["candidate"] = Value(LodChain{mesh, mesh});
  context.inputs["reference"] = Value(mesh);
  context.params["size"] = std::int64_t{128};
  std::vector<double> progress;
  context.progress = [&](double fraction) { progress.push_back(fraction); };
  const Result<Values> outputs = run(context, "score");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  for (const std::string prefix : {"", "lod0.", "lod1."}) {
    EXPECT_NEAR(report.metrics.at(prefix + "mean_iou"), 1.0, 1e-9) << prefix;
    EXPECT_NEAR(report.metrics.at(prefix + "min_iou"), 1.0, 1e-9) << prefix;
    EXPECT_EQ(report.metrics.at(prefix + "mean_psnr"), 99.0) << prefix;
    EXPECT_NEAR(report.metrics.at(prefix + "mean_ssim"), 1.0, 1e-9) << prefix;
  }
  EXPECT_EQ(report.metrics.size(), 12u);
  const nlohmann::json details = details_of(report);
  EXPECT_EQ(details["fidelity_protocol"]["views"], 16);
  EXPECT_EQ(details["fidelity_protocol"]["size"], 128);
  EXPECT_EQ(details["levels"][1]["views"].size(), 16u);
  ASSERT_FALSE(progress.empty());
  EXPECT_DOUBLE_EQ(progress.back(), 1.0);
}

TEST(ScoreOp, AnotherObjectScoresLowAndASplatCanBeTheReference) {
  Result<SplatCloud> hamburger = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(hamburger.ok()) << hamburger.error().message;
  OpContext context = context_for("score");
  context.inputs["candidate"] = Value(trellis());
  context.inputs["reference"] = Value(std::move(hamburger).value());
  context.params["size"] = std::int64_t{64};
  context.threads = 2;
  const Result<Values> outputs = run(context, "score");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Report& report = report_of(outputs);
  EXPECT_LT(report.metrics.at("mean_iou"), 0.9);
  EXPECT_LE(report.metrics.at("min_iou"), report.metrics.at("mean_iou"));
  EXPECT_LT(report.metrics.at("mean_psnr"), 99.0);
}

TEST(ScoreOp, StopsWhenCancelledAndRefusesASplatCandidate) {
  const std::atomic<bool> cancel{true};
  OpContext context = context_for("score");
  context.inputs["candidate"] = Value(trellis());
  context.inputs["reference"] = Value(trellis());
  context.params["size"] = std::int64_t{16};
  context.cancel_flag = &cancel;
  Result<Values> outputs = run(context, "score");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "cancelled");

  SplatCloud cloud;
  cloud.resize(1);
  context.inputs["candidate"] = Value(cloud);
  outputs = run(context, "score");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message,
            "node 'q': candidate must be a mesh or a LOD chain, got a splat");
}

TEST(PreviewOp, DrawsARowForTheReferenceAndOneALevel) {
  const Mesh& mesh = trellis();
  constexpr int kSide = 32;
  constexpr int kGap = 4;  // render::contact_sheet's default
  OpContext context = context_for("preview");
  context.inputs["candidate"] = Value(LodChain{mesh, mesh});
  context.inputs["reference"] = Value(mesh);
  context.params["size"] = std::int64_t{kSide};
  Result<Values> outputs = run(context, "preview");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const FileSet& files = *outputs->at("files").files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "preview.png");
  Result<Image> sheet = decode_image(files[0].bytes);
  ASSERT_TRUE(sheet.ok()) << sheet.error().message;
  EXPECT_EQ(sheet->width, 4 * kSide + 3 * kGap);
  EXPECT_EQ(sheet->height, 3 * kSide + 2 * kGap);
  // Some pixel of the first view is the model, not the white background.
  bool drawn = false;
  for (int y = 0; y < kSide && !drawn; ++y)
    for (int x = 0; x < kSide && !drawn; ++x)
      drawn = sheet->at(x, y)[0] < 200 || sheet->at(x, y)[1] < 200 || sheet->at(x, y)[2] < 200;
  EXPECT_TRUE(drawn);

  context.inputs.erase("reference");
  outputs = run(context, "preview");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  sheet = decode_image(outputs->at("files").files()->front().bytes);
  ASSERT_TRUE(sheet.ok());
  EXPECT_EQ(sheet->height, 2 * kSide + kGap);
}

TEST(PreviewOp, IsDeterministic) {
  OpContext context = context_for("preview");
  context.inputs["candidate"] = Value(trellis());
  context.params["size"] = std::int64_t{32};
  const Result<Values> first = run(context, "preview");
  context.threads = 1;
  const Result<Values> second = run(context, "preview");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->at("files").files()->front().bytes, second->at("files").files()->front().bytes);
}

}  // namespace
}  // namespace atlas::pipeline
