// Blender 3.4 (Debian's `blender`, headless) imports the LOD0 GLB of `atlas run
// game-ready`: the mesh, its baked base colour and its normal map arrive.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> find_blender() {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "/usr/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const fs::path candidate = fs::path(folder.empty() ? "." : folder) / "blender";
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return candidate;
  }
  return std::nullopt;
}

struct Process {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Process run(const std::string& command) {
  Process result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The JSON line tests/apps/blender/check_import.py prints, or null.
nlohmann::json import_report(const std::string& output) {
  const std::string tag = "ATLAS_BLENDER_IMPORT ";
  const std::size_t start = output.find(tag);
  if (start == std::string::npos) return nullptr;
  const std::size_t end = output.find('\n', start);
  return nlohmann::json::parse(output.substr(start + tag.size(), end - start - tag.size()), nullptr,
                               false);
}

TEST(BlenderImport, GameReadyLod0ArrivesWithItsMeshAndTextures) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const std::optional<fs::path> blender = find_blender();
  if (!blender) {
    GTEST_SKIP() << "blender is not installed (scripts/install-deps.sh --test installs it)";
  }
  const fs::path source = fs::path(ATLAS_SOURCE_DIR) / "examples" / "404-hamburger.ply";
  // LOD0 alone: the other levels share its material and cost time the test does not need.
  const fs::path out = test::scratch_dir() / "hamburger";
  const Process atlas =
      run(test::shell_quoted(fs::path(ATLAS_BINARY_DIR) / "apps" / "atlas") + " run game-ready " +
          test::shell_quoted(source) + " --lods 1 -o " + test::shell_quoted(out));
  ASSERT_EQ(atlas.exit_code, 0) << atlas.output;
  const fs::path lod0 = out / "404-hamburger_lod0.glb";
  const Result<Mesh> mesh = load_mesh(lod0);
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  ASSERT_GT(mesh->triangle_count(), 1000u);

  const fs::path script = fs::path(ATLAS_SOURCE_DIR) / "tests/apps/blender/check_import.py";
  const Process imported = run(test::shell_quoted(*blender) +
                               " --background --factory-startup --python-exit-code 1 --python " +
                               test::shell_quoted(script) + " -- " + test::shell_quoted(lod0));
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  const nlohmann::json report = import_report(imported.output);
  ASSERT_TRUE(report.is_object()) << imported.output;

  EXPECT_EQ(report["mesh_objects"], 1) << report;
  EXPECT_EQ(report["polygons"], mesh->triangle_count()) << report;
  EXPECT_EQ(report["max_polygon_sides"], 3) << report;
  EXPECT_EQ(report["uv_layers"].size(), 1u) << report;
  ASSERT_EQ(report["materials"].size(), 1u) << report;
  const nlohmann::json& material = report["materials"][0];
  ASSERT_EQ(material["base_color"].size(), 1u) << report;
  EXPECT_EQ(material["base_color"][0]["size"], nlohmann::json::array({1024, 1024})) << report;
  EXPECT_EQ(material["base_color"][0]["colorspace"], "sRGB") << report;
  ASSERT_EQ(material["normal_map"].size(), 1u) << "no Normal Map node fed by an image: " << report;
  EXPECT_EQ(material["normal_map"][0]["size"], nlohmann::json::array({1024, 1024})) << report;
  EXPECT_EQ(material["normal_map"][0]["colorspace"], "Non-Color") << report;
}

}  // namespace
}  // namespace atlas
