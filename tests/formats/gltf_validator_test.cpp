// Runs the Khronos glTF validator (tools/npm/validate-gltf.mjs) on files Atlas writes.
// Skipped when node or the npm tools are not installed; the README's test command
// installs them, so CI always runs it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <tuple>

#include "formats/mesh_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

ResourceLoader files_in(const fs::path& folder) {
  return [folder](std::string_view uri) -> Result<Bytes> {
    return read_file(folder / std::string(uri));
  };
}

Mesh must_load(const std::string& name) {
  const fs::path path = test::testdata("meshes/" + name);
  const Bytes bytes = test::must_read(path);
  Result<Mesh> mesh = name.ends_with(".obj") ? decode_obj(bytes, files_in(path.parent_path()))
                                             : decode_gltf(bytes, files_in(path.parent_path()));
  EXPECT_TRUE(mesh.ok()) << name << ": " << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

// Writes `mesh` as GLB and as glTF with sidecars; returns the two main files.
std::vector<fs::path> write_both(const Mesh& mesh, const fs::path& folder,
                                 const std::string& stem) {
  std::vector<fs::path> mains;
  for (bool binary : {true, false}) {
    const std::vector<OutputFile> files = encode_gltf(mesh, binary, binary ? stem : stem + "_text");
    for (const OutputFile& file : files)
      EXPECT_TRUE(write_file_atomic(folder / file.name, file.bytes).ok());
    mains.push_back(folder / files.front().name);
  }
  return mains;
}

void expect_no_errors(const std::vector<fs::path>& files) {
  const test::ValidatorRun run = test::run_gltf_validator(files);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  for (const std::string& line : run.reports) {
    const nlohmann::json report = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << line;
    EXPECT_EQ(report["numErrors"], 0) << line;
  }
  EXPECT_EQ(run.reports.size(), files.size()) << run.output;
}

class GltfValidator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::gltf_validator_available()) {
      GTEST_SKIP() << "node or tools/npm/node_modules is missing (run npm ci in tools/npm)";
    }
  }
};

TEST_F(GltfValidator, RoundTrippedTestFilesHaveNoErrors) {
  const fs::path folder = test::scratch_dir();
  std::vector<fs::path> files;
  for (const char* name : {"trellis-sample.glb", "DamagedHelmet.glb", "Fox.glb", "spot.obj"}) {
    const std::string stem = fs::path(name).stem().string();
    for (const fs::path& file : write_both(must_load(name), folder, stem)) files.push_back(file);
  }
  expect_no_errors(files);
}

TEST_F(GltfValidator, AwkwardMeshesStillValidate) {
  const fs::path folder = test::scratch_dir();
  // Texture transform, a textured material on a primitive without UVs, degenerate
  // normals and tangents, colours outside [0, 1] and a name that needs URI escaping.
  Mesh mesh = must_load("trellis-sample.glb");
  Primitive copy = mesh.primitives[0];
  copy.uv0.clear();
  copy.normals.assign(copy.positions.size(), Vec3{0, 0, 0});
  copy.tangents.assign(copy.positions.size(), Vec4{3, 0, 0, 0.2f});
  copy.colors.assign(copy.positions.size(), Vec4{2, -1, 0.5f, 1});
  mesh.primitives.push_back(copy);
  TextureTransform& transform = mesh.materials[0].base_color_texture.transform;
  transform.present = true;
  transform.offset = {0.1f, 0.2f};
  transform.rotation = 0.3f;
  transform.scale = {2, 2};
  expect_no_errors(write_both(mesh, folder, "awkward name"));
}

TEST_F(GltfValidator, LevelsOfDetailAndProvenanceValidate) {
  const fs::path folder = test::scratch_dir();
  Mesh mesh = must_load("DamagedHelmet.glb");
  // The helmet has no tangents; without its normal map the validator has nothing to
  // warn about, so any warning is the writer's.
  mesh.materials[0].normal_texture.image = -1;
  Mesh coarse;
  coarse.name = "coarse";
  coarse.primitives.push_back(mesh.primitives[0]);
  coarse.primitives[0].indices.resize(coarse.primitives[0].indices.size() / 2);
  GltfWriteOptions options;
  options.lods = {&coarse};
  options.screen_coverage = {0.5f, 0.1f};
  options.asset_extras = R"({"atlas": {"source": {"sha256": "00"}}})";
  const std::vector<OutputFile> files = encode_gltf(mesh, "helmet_lods", options);
  ASSERT_EQ(files.size(), 1u);
  ASSERT_TRUE(write_file_atomic(folder / files[0].name, files[0].bytes).ok());
  const test::ValidatorRun run = test::run_gltf_validator({folder / files[0].name});
  ASSERT_EQ(run.reports.size(), 1u) << run.output;
  const nlohmann::json report = nlohmann::json::parse(run.reports[0]);
  EXPECT_EQ(report["numErrors"], 0) << run.output;
  EXPECT_EQ(report["numWarnings"], 0) << run.output;
}

TEST_F(GltfValidator, CompressedFilesValidate) {
  const fs::path folder = test::scratch_dir();
  std::vector<fs::path> mains;
  for (const char* name : {"trellis-sample.glb", "DamagedHelmet.glb"}) {
    for (auto [binary, compression, suffix] :
         {std::tuple{true, GltfCompression::Meshopt, "_meshopt"},
          std::tuple{false, GltfCompression::Meshopt, "_meshopt_text"},
          std::tuple{true, GltfCompression::Draco, "_draco"}}) {
      GltfWriteOptions options;
      options.binary = binary;
      options.compression = compression;
      const std::string stem = fs::path(name).stem().string() + suffix;
      const std::vector<OutputFile> files = encode_gltf(must_load(name), stem, options);
      for (const OutputFile& file : files)
        ASSERT_TRUE(write_file_atomic(folder / file.name, file.bytes).ok());
      mains.push_back(folder / files.front().name);
    }
  }
  expect_no_errors(mains);
}

}  // namespace
}  // namespace atlas
