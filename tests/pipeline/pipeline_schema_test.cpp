// schemas/pipeline.schema.json agrees with the parser: every preset matches it (checked
// with ajv, tools/npm/validate-pipeline.mjs), and a document the parser refuses for its
// shape is refused by the schema too.

#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/document.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = ATLAS_SOURCE_DIR;

test::CommandRun validate(const std::vector<fs::path>& files) {
  std::string command = "node " + test::shell_quoted(kSource / "tools/npm/validate-pipeline.mjs") +
                        " " + test::shell_quoted(kSource / "schemas/pipeline.schema.json");
  for (const fs::path& file : files) command += " " + test::shell_quoted(file);
  return test::run_command(command);
}

bool tools_available() {
  return fs::exists(kSource / "tools/npm/node_modules/ajv") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

TEST(PipelineSchema, EveryPresetMatches) {
  if (!tools_available())
    GTEST_SKIP() << "needs node and tools/npm (scripts/install-deps.sh --test)";
  std::vector<fs::path> presets;
  for (const auto& entry : fs::directory_iterator(kSource / "presets"))
    presets.push_back(entry.path());
  ASSERT_EQ(presets.size(), 5u);
  const test::CommandRun run = validate(presets);
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST(PipelineSchema, RefusesWhatTheParserRefuses) {
  if (!tools_available())
    GTEST_SKIP() << "needs node and tools/npm (scripts/install-deps.sh --test)";
  const fs::path dir = test::scratch_dir();
  const std::vector<std::string> documents = {
      "pipeline: x\nnodes:\n  a: {op: gate, colour: red}\noutputs: {o: a}\n",
      "pipeline: x\nstages: {}\nnodes:\n  a: {op: gate}\noutputs: {o: a}\n",
      "pipeline: x\nnodes:\n  a: {inputs: {report: b}}\noutputs: {o: a}\n",
      "pipeline: x\ninputs: {source: mesh}\nnodes:\n  a: {op: gate}\noutputs: {o: a}\n",
      "pipeline: x\nnodes:\n  a: {op: gate}\noutputs: {o: a}\nsettings: {s: {sets: []}}\n",
      "pipeline: x\nnodes:\n  a: {op: gate}\noutputs: {o: a}\nsettings: {s: {sets: [a]}}\n",
      "pipeline: x\nnodes:\n  a: {op: gate}\noutputs: {o: a}\nsettings: {a.b: {sets: [a.c]}}\n"};
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const fs::path file = dir / ("document" + std::to_string(i) + ".yaml");
    std::ofstream(file) << documents[i];
    Result<PipelineDocument> parsed = parse_pipeline(documents[i], file.string());
    EXPECT_FALSE(parsed) << documents[i];
    EXPECT_NE(validate({file}).exit_code, 0) << documents[i];
  }
}

}  // namespace
}  // namespace atlas::pipeline
