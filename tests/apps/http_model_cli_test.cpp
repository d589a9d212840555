// `atlas run` with an http_model node: the real executable loads the declarations that
// ATLAS_HTTP_MODELS names and calls the Meshy-shaped fake this test process runs on
// loopback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli_runner.h"
#include "fake_model_service.h"
#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;
using test::atlas;
using test::CliRun;
using test::quoted;

std::size_t triangles_of(const fs::path& file) {
  Result<Mesh> mesh = load_mesh(file);
  EXPECT_TRUE(mesh.ok()) << (mesh.ok() ? "" : mesh.error().message);
  return mesh ? mesh->triangle_count() : 0;
}

class HttpModelCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir();
    // The shipped Meshy declaration, sent to the fake and polled fast.
    std::istringstream shipped(
        test::slurp(fs::path(ATLAS_SOURCE_DIR) / "providers/meshy-retexture.yaml"));
    std::string declaration;
    for (std::string line; std::getline(shipped, line);) {
      if (line.rfind("base_url:", 0) == 0) line = "base_url: " + service_.base_url();
      if (line.find("interval_ms:") != std::string::npos) line = "  interval_ms: [5, 10]";
      declaration += line + "\n";
    }
    std::ofstream(dir_ / "meshy.yaml") << declaration;
    setenv("ATLAS_HTTP_MODELS", (dir_ / "meshy.yaml").c_str(), 1);
    setenv("MESHY_API_KEY", service_.api_key().c_str(), 1);
    setenv("XDG_CONFIG_HOME", (dir_ / "config").c_str(), 1);
    std::ofstream(dir_ / "retexture.yaml") << R"(pipeline: retexture
inputs:
  source: file
nodes:
  load: {op: load, inputs: {file: source}}
  retexture:
    op: http_model
    inputs: {input: load}
    params: {provider: meshy-retexture, options: '{"text_style_prompt": "rusty bronze"}'}
  export:
    op: export
    inputs: {model: retexture}
    params: {format: glb, name: retextured}
outputs:
  model: export
)";
  }
  void TearDown() override {
    for (const char* name : {"ATLAS_HTTP_MODELS", "MESHY_API_KEY", "XDG_CONFIG_HOME"})
      unsetenv(name);
  }

  test::FakeModelService service_;
  fs::path dir_;
};

TEST_F(HttpModelCli, APipelineCallsTheDeclaredServiceOnce) {
  const CliRun run =
      atlas("run " + quoted(dir_ / "retexture.yaml") + " " +
            quoted(test::testdata("meshes/Fox.glb")) + " --no-cache -o " + quoted(dir_ / "out"));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(triangles_of(dir_ / "out/retextured.glb"),
            triangles_of(test::testdata("meshes/trellis-sample.glb")));
  EXPECT_EQ(service_.create_requests(), 1);
  EXPECT_EQ(service_.tasks_created(), 1);
  EXPECT_EQ(run.err.find(service_.api_key()), std::string::npos);
}

TEST_F(HttpModelCli, ABrokenDeclarationIsNamedBeforeAnythingRuns) {
  std::ofstream(dir_ / "meshy.yaml") << "name: meshy-retexture\nbase_url: [\n";
  const CliRun run =
      atlas("run " + quoted(dir_ / "retexture.yaml") + " " +
            quoted(test::testdata("meshes/Fox.glb")) + " -o " + quoted(dir_ / "out"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("ATLAS_HTTP_MODELS: " + (dir_ / "meshy.yaml").string()), std::string::npos)
      << run.err;
  EXPECT_EQ(service_.create_requests(), 0);
}

}  // namespace
}  // namespace atlas
