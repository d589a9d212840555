// End-to-end tests of pipelines through the `atlas` executable: presets and the op
// reference, checks with line and column, a run on the 404 hamburger with the cache
// (a warm rerun runs nothing and writes the same bytes), batches where one input
// fails, and gates that retry or branch.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "cli_runner.h"
#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "geometry/mesh_cleanup.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;
using test::atlas;
using test::CliRun;
using test::quoted;
using test::slurp;

const fs::path kHamburger = test::testdata("splats/404-hamburger.ply");

// A small pipeline: the hamburger's surface at a 2,000-triangle budget, validated and
// written as a GLB, with a gate the tests configure.
std::string small_pipeline(const std::string& gate_params) {
  return R"(pipeline: small
description: A quick surface for tests.
inputs:
  source: file
nodes:
  load:
    op: load
    inputs: {file: source}
  surface:
    op: splat_to_mesh
    inputs: {source: load}
    params: {triangles: 2000}
  cleanup:
    op: cleanup
    inputs: {mesh: surface}
  reduce:
    op: reduce
    inputs: {mesh: cleanup}
    params: {triangles: 2000}
  validate:
    op: validate
    inputs: {model: reduce}
  gate:
    op: gate
    inputs: {report: validate, subject: reduce}
    params: )" +
         gate_params + R"(
  export:
    op: export
    inputs: {model: gate.pass_subject}
    params: {levels: all}
  fallback:
    op: export
    inputs: {model: gate.fail_subject}
    params: {levels: all, name: fallback}
  passed:
    op: gate
    inputs: {report: gate.pass}
    params: {checks: "passed >= 1"}
  fallen_back:
    op: gate
    inputs: {report: gate.fail}
    params: {checks: "passed >= 0"}
outputs:
  model: export
  fallback: fallback
  validation: validate
)";
}

fs::path write_pipeline(const fs::path& dir, const std::string& text) {
  const fs::path path = dir / "pipeline.yaml";
  std::ofstream(path) << text;
  return path;
}

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(slurp(path)); }

TEST(PipelineCli, PresetsAndOpsAreListed) {
  const CliRun presets = atlas("presets");
  ASSERT_EQ(presets.exit_code, 0) << presets.err;
  for (const char* name : {"game-ready", "mobile", "web-ar", "print", "archive"})
    EXPECT_NE(presets.out.find(name), std::string::npos) << name;
  EXPECT_NE(presets.out.find("settings: triangles, lod_ratios"), std::string::npos) << presets.out;
  const CliRun ops = atlas("ops");
  ASSERT_EQ(ops.exit_code, 0) << ops.err;
  EXPECT_NE(ops.out.find("gate (v1)"), std::string::npos);
  const CliRun dot = atlas("pipeline show mobile --dot");
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph \"mobile\"", 0), 0u) << dot.out;
  const CliRun show = atlas("pipeline show game-ready --set lods.ratios=1,0.5");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("ratios=[1, 0.5]"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("setting lod_ratios = [1, 0.5] -> lods.ratios"), std::string::npos)
      << show.out;
}

TEST(PipelineCli, CheckNamesFileLineAndNode) {
  const fs::path dir = test::scratch_dir();
  const fs::path file = write_pipeline(dir,
                                       "pipeline: bad\nnodes:\n  a:\n    op: reduce\n"
                                       "    params: {triangles: many}\noutputs: {x: a}\n");
  const CliRun run = atlas("pipeline check " + quoted(file));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(file.string() + ":5:25: node 'a': param 'triangles' must be an integer"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(":3:3: node 'a': missing input 'mesh'"), std::string::npos) << run.err;
  const CliRun missing = atlas("pipeline check no-such-preset");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("neither a preset"), std::string::npos) << missing.err;
}

TEST(PipelineCli, WarmRerunRunsNothingAndWritesTheSameBytes) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path dir = test::scratch_dir();
  const fs::path pipeline = write_pipeline(dir, small_pipeline("{checks: \"triangles <= 2000\"}"));
  const std::string common = quoted(pipeline) + " " + quoted(kHamburger) + " --cache-dir " +
                             quoted(dir / "cache") + " -o ";
  const CliRun cold = atlas("run " + common + quoted(dir / "cold"));
  ASSERT_EQ(cold.exit_code, 0) << cold.err;
  const CliRun warm = atlas("run " + common + quoted(dir / "warm"));
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  const CliRun uncached = atlas("run " + common + quoted(dir / "uncached") + " --no-cache");
  ASSERT_EQ(uncached.exit_code, 0) << uncached.err;

  const nlohmann::json warm_report = read_json(dir / "warm/pipeline_report.json");
  for (const auto& node : warm_report["nodes"])
    EXPECT_NE(node["state"], "finished") << node["name"] << " ran again";
  for (const char* file : {"404-hamburger.glb", "validation.json"}) {
    const std::string bytes = slurp(dir / "cold" / file);
    EXPECT_FALSE(bytes.empty()) << file;
    EXPECT_EQ(slurp(dir / "warm" / file), bytes) << file;
    EXPECT_EQ(slurp(dir / "uncached" / file), bytes) << file;
  }
  EXPECT_FALSE(fs::exists(dir / "cold/fallback.glb"));  // the gate passed

  const nlohmann::json validation = read_json(dir / "cold/validation.json");
  EXPECT_LE(validation["metrics"]["triangles"].get<double>(), 2000);
  // The GLB carries its provenance: the pipeline and the input's hash.
  const CliRun info = atlas("info --json " + quoted(dir / "cold/404-hamburger.glb"));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json report = read_json(dir / "cold/pipeline_report.json");
  EXPECT_EQ(report["provenance"]["pipeline"]["name"], "small");
  EXPECT_EQ(report["provenance"]["inputs"][0]["file"], "404-hamburger.ply");
  EXPECT_EQ(report["provenance"]["powered_by"], "404 (Bittensor subnet 17)");
  const std::string glb = slurp(dir / "cold/404-hamburger.glb");
  EXPECT_NE(glb.find(report["provenance"]["inputs"][0]["sha256"].get<std::string>()),
            std::string::npos);
}

TEST(PipelineCli, GateRetriesTheUpstreamNode) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path dir = test::scratch_dir();
  const fs::path pipeline = write_pipeline(
      dir, small_pipeline("{checks: \"triangles <= 800\", on_fail: retry, retry_node: reduce, "
                          "retry_set: \"triangles=800\"}"));
  const CliRun run = atlas("run " + quoted(pipeline) + " " + quoted(kHamburger) +
                           " --no-cache -o " + quoted(dir / "out"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = read_json(dir / "out/pipeline_report.json");
  ASSERT_GE(report["gates"].size(), 1u);
  EXPECT_EQ(report["gates"][0]["node"], "gate");
  EXPECT_EQ(report["gates"][0]["retries"], 1);
  EXPECT_EQ(report["gates"][0]["passed"], true);
  EXPECT_LE(read_json(dir / "out/validation.json")["metrics"]["triangles"].get<double>(), 800);
}

TEST(PipelineCli, GateFailsTheJobOrTakesTheOtherBranch) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path dir = test::scratch_dir();
  const std::string input = " " + quoted(kHamburger) + " --cache-dir " + quoted(dir / "cache");
  const fs::path failing = write_pipeline(dir, small_pipeline("{checks: \"triangles <= 10\"}"));
  const CliRun failed = atlas("run " + quoted(failing) + input + " -o " + quoted(dir / "failed"));
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.out.find("gate 'gate' failed: triangles is"), std::string::npos) << failed.out;

  const fs::path branching =
      write_pipeline(dir, small_pipeline("{checks: \"triangles <= 10\", on_fail: branch}"));
  const CliRun branched = atlas("run " + quoted(branching) + input + " -o " + quoted(dir / "b"));
  ASSERT_EQ(branched.exit_code, 0) << branched.err;
  EXPECT_TRUE(fs::exists(dir / "b/fallback.glb"));
  EXPECT_FALSE(fs::exists(dir / "b/404-hamburger.glb"));
  const nlohmann::json report = read_json(dir / "b/pipeline_report.json");
  EXPECT_EQ(report["gates"][0]["passed"], false);
  for (const auto& node : report["nodes"])
    if (node["name"] == "export" || node["name"] == "passed") {
      EXPECT_EQ(node["state"], "skipped") << node["name"];
    }
}

TEST(PipelineCli, BatchFinishesTheOthersWhenOneInputFails) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path dir = test::scratch_dir();
  const fs::path inputs = dir / "inputs";
  fs::create_directories(inputs);
  fs::copy_file(kHamburger, inputs / "hamburger.ply");
  std::ofstream(inputs / "broken.ply") << "ply\nformat nonsense\n";
  const fs::path pipeline = write_pipeline(dir, small_pipeline("{checks: \"triangles <= 2000\"}"));
  const CliRun run = atlas("run " + quoted(pipeline) + " " + quoted(inputs) +
                           " --jobs 2 --no-cache -o " + quoted(dir / "out"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("broken.ply"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("failed"), std::string::npos) << run.out;
  EXPECT_TRUE(fs::exists(dir / "out/hamburger/hamburger.glb"));
  EXPECT_FALSE(fs::exists(dir / "out/broken/broken.glb"));
}

TEST(PipelineCli, PrintPresetMakesAClosedManifoldStlInMillimetres) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const fs::path dir = test::scratch_dir();
  const CliRun run =
      atlas("run print " + quoted(kHamburger) + " -o " + quoted(dir) + " --no-cache");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_json(dir / "validation.json")["metrics"]["passed"], 1.0);

  // Checked again on the file a slicer gets: STL has no indices, so this is the surface
  // as positions alone describe it.
  Result<Mesh> stl = load_mesh(dir / "404-hamburger.stl");
  ASSERT_TRUE(stl.ok()) << stl.error().message;
  const geometry::SurfaceTopology topology =
      geometry::measure_topology(geometry::merge_primitives(*stl));
  EXPECT_EQ(topology.non_manifold_edges, 0u);
  EXPECT_EQ(topology.boundary_edges, 0u);
  EXPECT_EQ(topology.components, 1u);
  const Bounds bounds = stl->bounds();
  EXPECT_NEAR(bounds.max.y - bounds.min.y, 100.0f, 0.5f);  // 0.1 m tall, in millimetres
}

TEST(PipelineCli, BadOverrideIsAUsageProblemNamed) {
  const CliRun run = atlas("run mobile " + quoted(kHamburger) + " -o " +
                           quoted(test::scratch_dir()) + " --set nowhere.triangles=5");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no node 'nowhere'"), std::string::npos) << run.err;
  const CliRun setting = atlas("run mobile " + quoted(kHamburger) + " -o " +
                               quoted(test::scratch_dir()) + " --set budget=5");
  EXPECT_EQ(setting.exit_code, 1);
  EXPECT_NE(setting.err.find("no setting named 'budget' in pipeline 'mobile' (its settings: "
                             "triangles, "),
            std::string::npos)
      << setting.err;
}

}  // namespace
}  // namespace atlas
