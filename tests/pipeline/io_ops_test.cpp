// The io ops (load, export) through the catalogue, as a pipeline runs them, on the
// real trellis sample and the 404 hamburger.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "formats/asset_io.h"
#include "formats/glb_container.h"
#include "pipeline/lod_package.h"
#include "pipeline/op.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

OpContext context_for(const std::string& op, Values inputs, const Params& overrides = {}) {
  OpContext context;
  context.node = op + "_node";
  const OpSpec* spec = find_op(op);
  EXPECT_NE(spec, nullptr) << op;
  if (spec)
    for (const ParamSpec& param : spec->params) context.params[param.name] = param.default_value;
  for (const auto& [name, value] : overrides) context.params[name] = value;
  context.inputs = std::move(inputs);
  context.threads = 2;
  return context;
}

Result<Values> run(const std::string& op, Values inputs, const Params& overrides = {}) {
  return find_op(op)->run(context_for(op, std::move(inputs), overrides));
}

Value input_file(const fs::path& path) {
  return Value(InputFile{path, sha256_hex(test::must_read(path))});
}

const Mesh& trellis() {
  static const Mesh mesh = [] {
    Result<Mesh> loaded = load_mesh(test::testdata("meshes/trellis-sample.glb"));
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    return loaded.ok() ? std::move(loaded).value() : Mesh{};
  }();
  return mesh;
}

// A two-level chain: LOD0 is the trellis sample; LOD1 has half its triangles and, when
// `own_atlas`, images of its own (made by an op: pixels only).
LodChain chain(bool own_atlas) {
  Mesh lod0 = trellis();
  lod0.name = "lod0";
  Mesh lod1 = lod0;
  lod1.name = "lod1";
  lod1.primitives[0].indices.resize(lod1.primitives[0].indices.size() / 6 * 3);
  if (own_atlas) {
    for (MeshImage& image : lod1.images) {
      image.encoded.clear();
      image.pixels = Image(8, 8, 4);
    }
  }
  return {lod0, lod1};
}

std::vector<std::string> names(const FileSet& files) {
  std::vector<std::string> out;
  for (const OutputFile& file : files) out.push_back(file.name);
  return out;
}

const FileSet& files_of(const Result<Values>& outputs) {
  static const FileSet none;
  EXPECT_TRUE(outputs.ok()) << outputs.error().message;
  if (!outputs.ok()) return none;
  const FileSet* files = outputs->at("files").files();
  EXPECT_NE(files, nullptr);
  return files ? *files : none;
}

Json glb_json(const Bytes& glb) {
  Result<gltf::GlbParts> parts = gltf::split_glb(glb);
  EXPECT_TRUE(parts.ok());
  return parts.ok() ? Json::parse(parts->json) : Json();
}

std::string error_of(const Result<Values>& outputs) {
  EXPECT_FALSE(outputs.ok());
  return outputs.ok() ? std::string() : outputs.error().message;
}

TEST(IoOps, DeclaredPortsAndParams) {
  const OpSpec* load = find_op("load");
  ASSERT_NE(load, nullptr);
  ASSERT_EQ(load->inputs.size(), 1u);
  EXPECT_EQ(load->inputs[0].name, "file");
  EXPECT_EQ(load->inputs[0].type, ValueType::File);
  EXPECT_EQ(load->outputs[0].name, "asset");
  EXPECT_EQ(load->outputs[0].type, ValueType::Asset);
  const OpSpec* exporter = find_op("export");
  ASSERT_NE(exporter, nullptr);
  EXPECT_EQ(exporter->inputs[0].name, "model");
  EXPECT_EQ(exporter->outputs[0].type, ValueType::Files);
  std::vector<std::string> params;
  for (const ParamSpec& param : exporter->params) params.push_back(param.name);
  EXPECT_EQ(params, (std::vector<std::string>{"format", "name", "levels", "compression", "units"}));
  EXPECT_EQ(std::get<std::string>(exporter->params[0].default_value), "glb");
  EXPECT_EQ(std::get<std::string>(exporter->params[2].default_value), "both");
}

TEST(IoOps, LoadReadsMeshesAndSplats) {
  Result<Values> mesh =
      run("load", {{"file", input_file(test::testdata("meshes/trellis-sample.glb"))}});
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  ASSERT_NE(mesh->at("asset").mesh(), nullptr);
  EXPECT_EQ(mesh->at("asset").mesh()->triangle_count(), trellis().triangle_count());
  Result<Values> splats =
      run("load", {{"file", input_file(test::testdata("splats/404-hamburger.ply"))}});
  ASSERT_TRUE(splats.ok()) << splats.error().message;
  ASSERT_NE(splats->at("asset").splat(), nullptr);
  EXPECT_GT(splats->at("asset").splat()->size(), 1000u);
}

TEST(IoOps, LoadErrorsNameTheNodeAndTheFile) {
  const fs::path missing = test::scratch_dir() / "missing.glb";
  std::string message = error_of(run("load", {{"file", Value(InputFile{missing, ""})}}));
  EXPECT_NE(message.find("node 'load_node'"), std::string::npos) << message;
  EXPECT_NE(message.find("missing.glb"), std::string::npos) << message;
  const fs::path trellis_path = test::testdata("meshes/trellis-sample.glb");
  message = error_of(run("load", {{"file", Value(InputFile{trellis_path, std::string(64, '0')})}}));
  EXPECT_NE(message.find("changed since it was hashed"), std::string::npos) << message;
  message = error_of(run("load", {{"file", Value(trellis())}}));
  EXPECT_NE(message.find("file must be a file, got a mesh"), std::string::npos) << message;
}

TEST(IoOps, ExportMeshBothWritesTheAllLevelsFileAndEachLevel) {
  OpContext context =
      context_for("export", {{"model", Value(chain(true))}}, {{"name", std::string("tree")}});
  context.provenance_json = R"({"pipeline": "test", "hash": "ab"})";
  const Result<Values> outputs = find_op("export")->run(context);
  const FileSet& files = files_of(outputs);
  EXPECT_EQ(names(files), (std::vector<std::string>{"tree.glb", "tree_lod0.glb", "tree_lod1.glb"}));
  ASSERT_EQ(files.size(), 3u);
  const Json all = glb_json(files[0].bytes);
  EXPECT_EQ(all["nodes"][0]["extensions"]["MSFT_lod"]["ids"], Json::array({1}));
  EXPECT_EQ(all["nodes"][0]["extras"]["MSFT_screencoverage"], Json::array({0.5, 0.125}));
  EXPECT_EQ(all["asset"]["extras"]["atlas"]["pipeline"], "test");
  // LOD1's own atlas: its material and image come after LOD0's.
  EXPECT_EQ(all["materials"].size(), 2u);
  EXPECT_EQ(all["materials"][1]["name"], "lod1");
  EXPECT_EQ(all["images"].size(), 2u);
  EXPECT_EQ(all["meshes"][1]["primitives"][0]["material"], 1);
  // The level files are the levels as they are; images made by ops became PNG.
  Result<Mesh> lod1 = decode_gltf(files[2].bytes, {});
  ASSERT_TRUE(lod1.ok()) << lod1.error().message;
  EXPECT_EQ(lod1->triangle_count(), chain(true)[1].triangle_count());
  EXPECT_EQ(lod1->images[0].mime_type, "image/png");
  EXPECT_EQ(lod1->images[0].pixels.width, 8);
  EXPECT_EQ(glb_json(files[1].bytes)["asset"]["extras"]["atlas"]["hash"], "ab");
}

TEST(IoOps, ExportSharedAtlasAddsNothingAndIsDeterministic) {
  const Value model(chain(false));
  const FileSet first =
      files_of(run("export", {{"model", model}}, {{"levels", std::string("all")}}));
  ASSERT_EQ(names(first), std::vector<std::string>{"asset.glb"});
  const Json all = glb_json(first[0].bytes);
  EXPECT_EQ(all["materials"].size(), 1u);
  EXPECT_EQ(all["images"].size(), 1u);
  EXPECT_EQ(all["meshes"][1]["primitives"][0]["material"], 0);
  // The same chain packaged directly (as game-ready does) gives the same bytes.
  EXPECT_EQ(first[0].bytes, encode_lod_package(chain(false), "asset", {})[0].bytes);
  const FileSet second =
      files_of(run("export", {{"model", model}}, {{"levels", std::string("all")}}));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].bytes, first[0].bytes);
}

TEST(IoOps, ExportEveryMeshFormat) {
  const Value model(trellis());
  for (const char* format : {"gltf", "obj", "stl", "ply", "usdz"}) {
    const FileSet files =
        files_of(run("export", {{"model", model}},
                     {{"format", std::string(format)}, {"levels", std::string("each")}}));
    ASSERT_FALSE(files.empty()) << format;
    EXPECT_EQ(files[0].name, std::string("asset_lod0.") + format);
  }
  const FileSet gltf =
      files_of(run("export", {{"model", model}}, {{"format", std::string("gltf")}}));
  EXPECT_EQ(names(gltf),
            (std::vector<std::string>{"asset.gltf", "asset.bin", "asset_0.png", "asset_lod0.gltf",
                                      "asset_lod0.bin", "asset_lod0_0.png"}));
}

TEST(IoOps, ExportMillimetresScalesPrintFormats) {
  const FileSet files = files_of(run("export", {{"model", Value(trellis())}},
                                     {{"format", std::string("stl")},
                                      {"levels", std::string("all")},
                                      {"units", std::string("millimetres")}}));
  ASSERT_EQ(names(files), std::vector<std::string>{"asset.stl"});
  Result<Mesh> stl = decode_stl(files[0].bytes);
  ASSERT_TRUE(stl.ok()) << stl.error().message;
  const Bounds metres = trellis().bounds(), millimetres = stl->bounds();
  EXPECT_NEAR(millimetres.max.y - millimetres.min.y, 1000 * (metres.max.y - metres.min.y), 1e-2);
  const std::string message = error_of(
      run("export", {{"model", Value(trellis())}}, {{"units", std::string("millimetres")}}));
  EXPECT_NE(message.find("units apply to stl, obj and ply"), std::string::npos) << message;
}

TEST(IoOps, ExportCompressedGlbReadsBack) {
  for (const auto& [compression, extension] :
       {std::pair{"meshopt", "EXT_meshopt_compression"}, {"draco", "KHR_draco_mesh_compression"}}) {
    const FileSet files = files_of(run("export", {{"model", Value(chain(false))}},
                                       {{"compression", std::string(compression)}}));
    ASSERT_EQ(files.size(), 3u);
    for (const OutputFile& file : files) {
      EXPECT_EQ(glb_json(file.bytes)["extensionsRequired"], Json::array({extension}));
      Result<Mesh> mesh = decode_gltf(file.bytes, {});
      ASSERT_TRUE(mesh.ok()) << file.name << ": " << mesh.error().message;
    }
    EXPECT_EQ(decode_gltf(files[2].bytes, {})->triangle_count(), chain(false)[1].triangle_count());
  }
}

TEST(IoOps, ExportSplatsAndWrongCombinations) {
  Result<SplatCloud> cloud = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  const Value splats(std::move(cloud.value()));
  for (const char* format : {"ply", "spz", "splat"}) {
    const FileSet files =
        files_of(run("export", {{"model", splats}}, {{"format", std::string(format)}}));
    ASSERT_EQ(names(files), std::vector<std::string>{std::string("asset.") + format});
    Result<SplatCloud> back = decode_splats(files[0].bytes, format);
    ASSERT_TRUE(back.ok()) << format << ": " << back.error().message;
    EXPECT_EQ(back->size(), splats.splat()->size());
  }
  std::string message = error_of(run("export", {{"model", splats}}));
  EXPECT_NE(message.find("node 'export_node': a splat model is written as ply, spz or splat"),
            std::string::npos)
      << message;
  message =
      error_of(run("export", {{"model", Value(trellis())}}, {{"format", std::string("spz")}}));
  EXPECT_NE(message.find("a mesh model is written as"), std::string::npos) << message;
  message =
      error_of(run("export", {{"model", Value(trellis())}},
                   {{"format", std::string("obj")}, {"compression", std::string("meshopt")}}));
  EXPECT_NE(message.find("compression applies to glb and gltf only"), std::string::npos) << message;
  message = error_of(run("export", {{"model", Value(trellis())}}, {{"name", std::string("../x")}}));
  EXPECT_NE(message.find("must be a file stem"), std::string::npos) << message;
  message = error_of(run("export", {{"model", Value(Image(2, 2, 4))}}));
  EXPECT_NE(message.find("model must be a splat, a mesh or a LOD chain, got an image"),
            std::string::npos)
      << message;
  message = error_of(run("export", {}));
  EXPECT_NE(message.find("model is not connected"), std::string::npos) << message;
}

TEST(IoOps, ExportStopsWhenCancelled) {
  std::atomic<bool> cancel{true};
  OpContext context = context_for("export", {{"model", Value(trellis())}});
  context.cancel_flag = &cancel;
  EXPECT_EQ(error_of(find_op("export")->run(context)), "cancelled");
}

}  // namespace
}  // namespace atlas::pipeline
