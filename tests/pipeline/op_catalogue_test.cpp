// The op catalogue: every op the pipeline issue lists exists and is documented, every
// declared default passes its own checks, and docs/ops.md is the generated reference.

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "pipeline/document.h"
#include "pipeline/presets.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

TEST(OpCatalogue, HoldsEveryOpDocumented) {
  std::set<std::string> names;
  for (const OpSpec& op : op_catalogue()) {
    EXPECT_TRUE(names.insert(op.name).second) << op.name << " twice";
    EXPECT_FALSE(op.purpose.empty()) << op.name;
    EXPECT_TRUE(op.run) << op.name;
    EXPECT_FALSE(op.outputs.empty()) << op.name;
    for (const PortSpec& port : op.inputs)
      EXPECT_FALSE(port.doc.empty()) << op.name << "." << port.name;
    for (const PortSpec& port : op.outputs)
      EXPECT_FALSE(port.doc.empty()) << op.name << "." << port.name;
  }
  for (const char* name : {"load", "splat_to_mesh", "cleanup", "transform", "reduce", "lod_chain",
                           "unwrap", "bake_color", "bake_normals", "texture", "export", "validate",
                           "score", "preview", "gate", "generate", "http_model"})
    EXPECT_TRUE(names.count(name)) << name;
}

TEST(OpCatalogue, DefaultsAreOfTheDeclaredTypeAndInRange) {
  for (const OpSpec& op : op_catalogue()) {
    for (const ParamSpec& param : op.params) {
      const std::string what = op.name + "." + param.name;
      EXPECT_FALSE(param.doc.empty()) << what;
      switch (param.type) {
        case ParamType::Bool:
          EXPECT_TRUE(std::holds_alternative<bool>(param.default_value)) << what;
          break;
        case ParamType::Integer: {
          ASSERT_TRUE(std::holds_alternative<std::int64_t>(param.default_value)) << what;
          const double value = double(std::get<std::int64_t>(param.default_value));
          EXPECT_TRUE(value >= param.min && value <= param.max) << what;
          break;
        }
        case ParamType::Number: {
          ASSERT_TRUE(std::holds_alternative<double>(param.default_value)) << what;
          const double value = std::get<double>(param.default_value);
          EXPECT_TRUE(value >= param.min && value <= param.max) << what;
          break;
        }
        case ParamType::Text: {
          ASSERT_TRUE(std::holds_alternative<std::string>(param.default_value)) << what;
          const std::string& value = std::get<std::string>(param.default_value);
          if (!param.choices.empty()) {
            EXPECT_NE(std::find(param.choices.begin(), param.choices.end(), value),
                      param.choices.end())
                << what;
          }
          break;
        }
        case ParamType::Numbers:
          EXPECT_TRUE(std::holds_alternative<std::vector<double>>(param.default_value)) << what;
          break;
      }
    }
  }
}

TEST(OpCatalogue, DocsOpsMdIsTheGeneratedReference) {
  const Bytes committed = test::must_read(std::filesystem::path(ATLAS_SOURCE_DIR) / "docs/ops.md");
  EXPECT_EQ(std::string(committed.begin(), committed.end()), ops_reference_markdown())
      << "regenerate it: build/release/apps/atlas ops --markdown > docs/ops.md";
}

TEST(Presets, EveryPresetChecks) {
  const std::vector<PresetInfo> presets = list_presets();
  std::set<std::string> names;
  for (const PresetInfo& preset : presets) {
    names.insert(preset.name);
    EXPECT_FALSE(preset.description.empty()) << preset.name;
    Result<Pipeline> pipeline = load_pipeline(preset.name);
    EXPECT_TRUE(pipeline) << preset.name << ": " << pipeline.error().message;
  }
  EXPECT_EQ(names, (std::set<std::string>{"archive", "game-ready", "mobile", "print", "web-ar"}));
}

}  // namespace
}  // namespace atlas::pipeline
