// Pipeline documents: parsing, every kind of check with file, line and column,
// overrides and settings. The gate op is used where an op is needed, as it needs no real
// data.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

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

// Line 24 declares the setting `triangles`, line 26 its targets; line 29 `height`, line
// 30 its target.
constexpr const char* kBudgets = R"(pipeline: budgets
inputs:
  source: file
nodes:
  load:
    op: load
    inputs: {file: source}
  surface:
    op: splat_to_mesh
    inputs: {source: load}
    params: {triangles: 20000}
  lod0:
    op: reduce
    inputs: {mesh: surface}
    params: {triangles: 20000}
  placed:
    op: transform
    inputs: {asset: lod0}
  export:
    op: export
    inputs: {model: placed}
outputs: {model: export}
settings:
  triangles:
    doc: LOD0 triangle budget
    sets: [surface.triangles, lod0.triangles]
  format:
    sets: [export.format]
  height:
    sets: [placed.height]
)";

// kBudgets with `replace` swapped for `with`.
std::string budgets(const std::string& replace = "", const std::string& with = "") {
  std::string text = kBudgets;
  if (!replace.empty()) text.replace(text.find(replace), replace.size(), with);
  return text;
}

Result<Pipeline> checked(const std::string& text, const std::vector<std::string>& overrides = {}) {
  Result<PipelineDocument> document = parse_pipeline(text, "test.yaml");
  if (!document) return document.error();
  for (const std::string& assignment : overrides) {
    if (Status applied = apply_override(*document, assignment); !applied) return applied.error();
  }
  return check_pipeline(std::move(*document));
}

const ParamValue& param_of(const Pipeline& pipeline, const std::string& node,
                           const std::string& param) {
  for (std::size_t i = 0; i < pipeline.document.nodes.size(); ++i)
    if (pipeline.document.nodes[i].name == node) return pipeline.params[i].at(param);
  throw std::out_of_range("no node " + node);
}

TEST(PipelineSettings, AreParsedWithMarksAndCheckedIntoSpecs) {
  Result<PipelineDocument> document = parse_pipeline(budgets(), "test.yaml");
  ASSERT_TRUE(document) << document.error().message;
  ASSERT_EQ(document->settings.size(), 3u);
  const SettingDecl& triangles = document->settings[0];
  EXPECT_EQ(triangles.name, "triangles");
  EXPECT_EQ(triangles.doc, "LOD0 triangle budget");
  EXPECT_EQ(triangles.mark.line, 24);
  ASSERT_EQ(triangles.targets.size(), 2u);
  EXPECT_EQ(triangles.targets[1].node, "lod0");
  EXPECT_EQ(triangles.targets[1].param, "triangles");
  EXPECT_EQ(triangles.targets[1].mark.line, 26);
  EXPECT_EQ(triangles.targets[1].mark.column, 31);

  Result<Pipeline> pipeline = check_pipeline(std::move(*document));
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  ASSERT_EQ(pipeline->settings.size(), 3u);
  const ParamSpec& budget = pipeline->settings[0].spec;
  EXPECT_EQ(budget.name, "triangles");
  EXPECT_EQ(budget.doc, "LOD0 triangle budget");
  EXPECT_EQ(budget.type, ParamType::Integer);
  EXPECT_EQ(budget.default_value, ParamValue{std::int64_t{20000}});
  EXPECT_EQ(budget.min, 12);  // splat_to_mesh's minimum; reduce allows 1
  EXPECT_EQ(budget.max, 10'000'000);
  const ParamSpec& format = pipeline->settings[1].spec;
  EXPECT_EQ(format.type, ParamType::Text);
  EXPECT_FALSE(format.choices.empty());
  EXPECT_EQ(pipeline->settings[2].spec.default_value, ParamValue{0.0});  // the op's default
  const std::string described = describe_pipeline(*pipeline);
  EXPECT_NE(described.find("setting triangles = 20000 -> surface.triangles, lod0.triangles  "
                           "(LOD0 triangle budget)"),
            std::string::npos)
      << described;
}

TEST(PipelineSettings, OverrideSetsEveryTarget) {
  Result<Pipeline> pipeline = checked(budgets(), {"triangles=30000", "height=0.5"});
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  EXPECT_EQ(param_of(*pipeline, "surface", "triangles"), ParamValue{std::int64_t{30000}});
  EXPECT_EQ(param_of(*pipeline, "lod0", "triangles"), ParamValue{std::int64_t{30000}});
  EXPECT_EQ(pipeline->settings[0].spec.default_value, ParamValue{std::int64_t{30000}});
  EXPECT_EQ(param_of(*pipeline, "placed", "height"), ParamValue{0.5});
  // The same text rules as node.param=value: a bad value is named on each target.
  const std::string error = checked(budgets(), {"triangles=many"}).error().message;
  EXPECT_NE(error.find("node 'surface': param 'triangles' must be an integer, not 'many'"),
            std::string::npos)
      << error;
  // A target set after its setting is set apart from the others, in the order given.
  EXPECT_TRUE(checked(budgets(), {"lod0.triangles=100", "triangles=300"}));
  EXPECT_NE(checked(budgets(), {"triangles=300", "lod0.triangles=100"})
                .error()
                .message.find("surface.triangles is 300 but lod0.triangles is 100"),
            std::string::npos);
}

TEST(PipelineSettings, UnknownSettingIsNamedWithThoseThereAre) {
  Result<PipelineDocument> document = parse_pipeline(budgets(), "test.yaml");
  ASSERT_TRUE(document);
  const Status unknown = apply_override(*document, "budget=3");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "--set budget=3: no setting named 'budget' in pipeline 'budgets' (its settings: "
            "triangles, format, height)");
  Result<PipelineDocument> none = parse_pipeline(kTwoGates, "test.yaml");
  ASSERT_TRUE(none);
  const Status no_settings = apply_override(*none, "budget=3");
  ASSERT_FALSE(no_settings);
  EXPECT_NE(no_settings.error().message.find("in pipeline 'gates' (it has no settings)"),
            std::string::npos)
      << no_settings.error().message;
  EXPECT_FALSE(apply_override(*none, "=3"));
}

TEST(PipelineSettings, TargetsHoldingDifferentValuesAreRefused) {
  const std::string error =
      check_error(budgets("{triangles: 20000}\n  placed", "{triangles: 15000}\n  placed"));
  EXPECT_NE(error.find("test.yaml:24:3: setting 'triangles': surface.triangles is 20000 but "
                       "lod0.triangles is 15000"),
            std::string::npos)
      << error;
  // Defaults count: reduce's default triangles is 20000, so leaving it out is the same.
  EXPECT_EQ(check_error(budgets("    params: {triangles: 20000}\n  placed", "  placed")), "");
}

TEST(PipelineSettings, TargetsNamingNothingAreRefused) {
  const std::string error = check_error(
      budgets("[surface.triangles, lod0.triangles]", "[nowhere.triangles, lod0.speed]"));
  for (const char* expected :
       {"test.yaml:26:12: setting 'triangles': sets nowhere.triangles, but there is no node "
        "'nowhere'",
        "test.yaml:26:31: setting 'triangles': sets lod0.speed, but reduce has no param 'speed'"}) {
    EXPECT_NE(error.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n"
                                                       << error;
  }
}

TEST(PipelineSettings, TargetsOfDifferentTypesAreRefused) {
  // An integer and a number too: a setting's value has one type.
  const std::string error =
      check_error(budgets("[placed.height]", "[lod0.triangles, placed.height]"));
  EXPECT_NE(error.find("test.yaml:30:28: setting 'height': lod0.triangles takes integer but "
                       "placed.height takes number"),
            std::string::npos)
      << error;
}

TEST(PipelineSettings, MalformedSettingsAreRefusedWhenParsed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"  height:\n", "  placed.height:\n"},
      {"  format:\n", "  height:\n"},
      {"[placed.height]", "[]"},
      {"[placed.height]", "[placed]"},
      {"[placed.height]", "[placed.height.x]"},
      {"[placed.height]", "[placed.height, placed.height]"},
      {"    sets: [placed.height]", "    sets: [placed.height]\n    default: 2"},
      {"    sets: [placed.height]", "    doc: no targets"},
  };
  const std::vector<std::string> expected = {
      "test.yaml:29:3: setting 'placed.height': a setting's name has no '.', '=' or spaces",
      "test.yaml:29:3: setting 'height' is declared twice",
      "test.yaml:30:11: setting 'height': 'sets' is empty (name at least one node.param)",
      "test.yaml:30:12: setting 'height': 'placed' is not of the form node.param",
      "test.yaml:30:12: setting 'height': 'placed.height.x' is not of the form node.param",
      "test.yaml:30:27: setting 'height': sets placed.height twice",
      "test.yaml:31:5: setting 'height': unknown field 'default' (doc, sets)",
      "test.yaml:29:3: setting 'height': missing 'sets'"};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string text = budgets(cases[i].first, cases[i].second);
    Result<PipelineDocument> document = parse_pipeline(text, "test.yaml");
    ASSERT_FALSE(document) << text;
    EXPECT_NE(document.error().message.find(expected[i]), std::string::npos)
        << "missing: " << expected[i] << "\nin:\n"
        << document.error().message;
  }
}

TEST(PipelineSettings, EveryPresetsSettingsCheck) {
  for (const PresetInfo& preset : list_presets()) {
    Result<PipelineDocument> document = parse_pipeline(*find_preset(preset.name), preset.name);
    ASSERT_TRUE(document) << document.error().message;
    Result<Pipeline> pipeline = check_pipeline(std::move(*document));
    ASSERT_TRUE(pipeline) << pipeline.error().message;
    EXPECT_EQ(pipeline->settings.size(), pipeline->document.settings.size()) << preset.name;
    EXPECT_TRUE(std::any_of(pipeline->settings.begin(), pipeline->settings.end(),
                            [](const Setting& setting) { return setting.name == "triangles"; }))
        << preset.name;
  }
  Result<Pipeline> game_ready = load_pipeline("game-ready", {"triangles=30000"});
  ASSERT_TRUE(game_ready) << game_ready.error().message;
  for (const auto& [node, param] :
       {std::pair{"surface", "triangles"}, {"lod0", "triangles"}, {"validate", "max_triangles"}})
    EXPECT_EQ(param_of(*game_ready, node, param), ParamValue{std::int64_t{30000}}) << node;
  EXPECT_TRUE(load_pipeline("game-ready", {"texture_format=jpeg", "lod_ratios=[1, 0.5]",
                                           "texture_size=512", "height=2", "watertight=true"}));
}

}  // namespace
}  // namespace atlas::pipeline
