// Runs the Khronos glTF validator (tools/npm/validate-gltf.mjs) on files Atlas writes.
// Skipped when node or the npm tools are not installed; the README's test command
// installs them, so CI always runs it.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/mesh_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

const fs::path kTools = fs::path(ATLAS_SOURCE_DIR) / "tools" / "npm";

std::string quoted(const fs::path& path) {
  std::string out = "'";
  for (char c : path.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool validator_available() {
  return fs::exists(kTools / "node_modules" / "gltf-validator") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

struct ValidatorRun {
  int exit_code = -1;
  std::string output;
};

ValidatorRun run_validator(const std::vector<fs::path>& files) {
  std::string command = "node " + quoted(kTools / "validate-gltf.mjs");
  for (const fs::path& file : files) command += " " + quoted(file);
  ValidatorRun run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

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
  const ValidatorRun run = run_validator(files);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::istringstream lines(run.output);
  std::string line;
  std::size_t reports = 0;
  while (std::getline(lines, line)) {
    const nlohmann::json report = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << line;
    EXPECT_EQ(report["numErrors"], 0) << line;
    ++reports;
  }
  EXPECT_EQ(reports, files.size()) << run.output;
}

class GltfValidator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!validator_available()) {
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

}  // namespace
}  // namespace atlas
