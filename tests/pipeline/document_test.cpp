// Pipeline documents: parsing, every kind of check with file, line and column, and
// overrides. The gate op is used where an op is needed, as it needs no real data.

#include <gtest/gtest.h>

#include <cstdint>

#include "pipeline/document.h"
#include "pipeline/presets.h"

namespace atlas::pipeline {
namespace {

constexpr const char* kTwoGates = R"(pipeline: gates
description: Two gates in a row.
inputs:
  source: file
nodes:
  first:
    op: gate
    inputs: {report: second.pass}
  second:
    op: gate
    inputs: {report: first.fail}
    params: {checks: "a >= 1; b < 2", max_retries: 3}
outputs:
  out: second.pass
)";

std::string check_error(const std::string& text) {
  Result<PipelineDocument> document = parse_pipeline(text, "test.yaml");
  if (!document) return document.error().message;
  Result<Pipeline> pipeline = check_pipeline(std::move(*document));
  return pipeline ? "" : pipeline.error().message;
}

TEST(PipelineDocument, ParsesNodesInDocumentOrderWithMarks) {
  Result<PipelineDocument> document = parse_pipeline(kTwoGates, "test.yaml");
  ASSERT_TRUE(document) << document.error().message;
  EXPECT_EQ(document->name, "gates");
  EXPECT_EQ(document->description, "Two gates in a row.");
  ASSERT_EQ(document->nodes.size(), 2u);
  EXPECT_EQ(document->nodes[0].name, "first");
  EXPECT_EQ(document->nodes[1].params.at("checks").scalar, "a >= 1; b < 2");
  EXPECT_EQ(document->nodes[1].mark.line, 9);
  EXPECT_EQ(document->nodes[0].inputs.at("report").node, "second");
  EXPECT_EQ(document->nodes[0].inputs.at("report").port, "pass");
  EXPECT_EQ(document->sha256.size(), 64u);
}

TEST(PipelineDocument, CycleIsNamedWithItsNodes) {
  const std::string error = check_error(kTwoGates);
  EXPECT_NE(error.find("test.yaml:6:3: the nodes first, second form a cycle"), std::string::npos)
      << error;
}

TEST(PipelineDocument, SyntaxErrorHasLineAndColumn) {
  const std::string error = check_error("pipeline: x\nnodes:\n  a: {op: gate\n");
  EXPECT_EQ(error.rfind("test.yaml:", 0), 0u) << error;
  EXPECT_NE(error.find(":4:"), std::string::npos) << error;
}

TEST(PipelineDocument, EveryProblemIsListedWithItsNode) {
  const std::string error = check_error(R"(pipeline: broken
inputs:
  source: file
nodes:
  unknown:
    op: no_such_op
  checked:
    op: gate
    inputs: {report: source, colour: source}
    params: {max_retries: 9, on_fail: maybe, speed: 3}
  missing:
    op: gate
outputs:
  out: checked.nothing
)");
  for (const char* expected :
       {"test.yaml:5:3: node 'unknown': unknown op 'no_such_op'",
        "test.yaml:9:22: node 'checked': input 'report' wants report, but 'source' gives file",
        "test.yaml:9:38: node 'checked': gate has no input 'colour'",
        "test.yaml:10:27: node 'checked': param 'max_retries' must be between 1 and 5, not 9",
        "test.yaml:10:39: node 'checked': param 'on_fail' must be one of fail, retry, branch, not "
        "'maybe'",
        "test.yaml:10:53: node 'checked': gate has no param 'speed'",
        "test.yaml:11:3: node 'missing': missing input 'report' (report)",
        "test.yaml:14:8: output 'out': node 'checked' (gate) has no output 'nothing'"}) {
    EXPECT_NE(error.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n"
                                                       << error;
  }
}

TEST(PipelineDocument, WrongShapesAndUnknownKeysAreRefused) {
  EXPECT_NE(check_error("- a\n- b\n").find("a pipeline document is a mapping"), std::string::npos);
  EXPECT_NE(check_error("pipeline: x\nnodes: [a]\noutputs: {}\n").find("nodes must be a mapping"),
            std::string::npos);
  EXPECT_NE(check_error("pipeline: x\nstages: {}\nnodes: {}\n").find("unknown key 'stages'"),
            std::string::npos);
  EXPECT_NE(check_error("pipeline: x\nnodes:\n  a: {op: gate, colour: red}\n")
                .find("node 'a': unknown field 'colour'"),
            std::string::npos);
  EXPECT_NE(check_error("pipeline: x\nnodes: {}\n").find("declares no outputs"), std::string::npos);
}

TEST(PipelineDocument, HostileSizesAreRefusedFast) {
  EXPECT_NE(check_error(std::string(2 << 20, '#')).find("larger than 1 MB"), std::string::npos);
  std::string many = "pipeline: x\nnodes:\n";
  for (int i = 0; i < 1001; ++i) many += "  n" + std::to_string(i) + ": {op: gate}\n";
  EXPECT_NE(check_error(many).find("more than 1000 nodes"), std::string::npos);
}

// What a fuzzer would try, deterministically: every preset cut short and with bytes
// changed, and nesting deep enough to exhaust a recursive parser's stack. Each must be
// refused (or accepted) with a message naming the file, never crash or hang.
TEST(PipelineDocument, MangledDocumentsAreRefusedWithTheFileNamed) {
  std::uint32_t random = 12345;
  auto next = [&] { return random = random * 1664525u + 1013904223u; };
  for (const PresetInfo& preset : list_presets()) {
    const std::string& text = *find_preset(preset.name);
    for (std::size_t cut = 0; cut < text.size(); cut += 7) {
      const std::string error = check_error(text.substr(0, cut));
      if (!error.empty()) {  // a cut in the last lines can leave a valid document
        EXPECT_EQ(error.rfind("test.yaml", 0), 0u)
            << preset.name << " cut at " << cut << ": " << error;
      }
    }
    for (int trial = 0; trial < 200; ++trial) {
      std::string mangled = text;
      for (int k = 0; k < 3; ++k)
        mangled[next() % mangled.size()] = static_cast<char>(next() >> 24);
      const std::string error = check_error(mangled);
      if (!error.empty()) {
        EXPECT_EQ(error.rfind("test.yaml", 0), 0u) << error;
      }
    }
  }
  for (const char* open_close : {"[]", "{}"}) {
    const std::string deep = "pipeline: x\nnodes: " + std::string(100000, open_close[0]) +
                             std::string(100000, open_close[1]) + "\n";
    EXPECT_EQ(check_error(deep).rfind("test.yaml:", 0), 0u);
  }
}

TEST(PipelineDocument, OverridesAreTypedAndChecked) {
  Result<PipelineDocument> document = parse_pipeline(kTwoGates, "test.yaml");
  ASSERT_TRUE(document);
  EXPECT_TRUE(apply_override(*document, "second.max_retries=2"));
  EXPECT_EQ(document->nodes[1].params.at("max_retries").scalar, "2");
  EXPECT_FALSE(apply_override(*document, "third.max_retries=2"));
  EXPECT_FALSE(apply_override(*document, "no-dot=2"));
  EXPECT_TRUE(apply_override(*document, "second.max_retries=two"));
  const std::string error = check_pipeline(std::move(*document)).error().message;
  EXPECT_NE(
      error.find("test.yaml: node 'second': param 'max_retries' must be an integer, not 'two'"),
      std::string::npos)
      << error;
}

TEST(PipelineDocument, JsonIsReadAsWell) {
  const std::string json = R"({"pipeline": "j", "inputs": {"source": "file"},
    "nodes": {"g": {"op": "gate", "inputs": {"report": "h.pass"}},
              "h": {"op": "gate", "inputs": {"report": "g.pass"}}},
    "outputs": {"out": "g.pass"}})";
  EXPECT_NE(check_error(json).find("form a cycle"), std::string::npos);
}

}  // namespace
}  // namespace atlas::pipeline
