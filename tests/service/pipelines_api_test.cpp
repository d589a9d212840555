// What a client builds a job from and sees of its graph: preset details with their
// settings and parameters, overrides on POST /v1/jobs, and GET /v1/jobs/{id}/pipeline.

#include <gtest/gtest.h>

#include <set>

#include "pipeline/remote_provider.h"
#include "service_client.h"

namespace atlas::test {
namespace {

// kQuickPipeline with a setting for the export's format.
const std::string kPipelineWithASetting = std::string(kQuickPipeline) + R"(settings:
  file_format:
    doc: the exported file's format
    sets: [export.format]
)";

// A provider that is only named: the tests that use it have no workers to call it.
class UncalledProvider final : public pipeline::RemoteProvider {
 public:
  std::string name() const override { return "uncalled-pipelines-test"; }
  Result<pipeline::RemoteAsset> generate(const pipeline::GenerateRequest&, const std::atomic<bool>&,
                                         const pipeline::RemoteProgress&) const override {
    return make_error("not called in these tests");
  }
};

const Json* find_named(const Json& list, const std::string& name) {
  for (const Json& item : list)
    if (item.value("name", "") == name) return &item;
  return nullptr;
}

std::string error_message(const HttpResult& result) {
  return result.json()["error"].value("message", "");
}

TEST(PipelinesApi, APresetsDetailsListItsSettingsParametersAndNodes) {
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const HttpResult found = http("GET", service.url("/v1/presets/game-ready"), {auth});
  ASSERT_EQ(found.status, 200) << found.body;
  const Json preset = found.json();
  EXPECT_FALSE(preset.value("description", "").empty());

  const Json* triangles = find_named(preset["settings"], "triangles");
  ASSERT_NE(triangles, nullptr) << preset["settings"].dump();
  EXPECT_EQ((*triangles)["type"], "integer");
  EXPECT_EQ((*triangles)["default"], 20000);
  EXPECT_TRUE((*triangles)["min"].is_number());
  const auto sets = (*triangles)["sets"].get<std::set<std::string>>();
  EXPECT_TRUE(sets.count("surface.triangles") && sets.count("lod0.triangles")) << sets.size();

  const Json* ratios = find_named(preset["parameters"], "lods.ratios");
  ASSERT_NE(ratios, nullptr);
  EXPECT_EQ((*ratios)["node"], "lods");
  EXPECT_EQ((*ratios)["op"], "lod_chain");
  EXPECT_EQ((*ratios)["type"], "numbers");
  EXPECT_EQ((*ratios)["default"], Json::parse("[1, 0.25, 0.06]"));
  const Json* format = find_named(preset["parameters"], "textures.format");
  ASSERT_NE(format, nullptr);
  EXPECT_EQ((*format)["default"], "png");
  EXPECT_NE((*format)["choices"].dump().find("jpeg"), std::string::npos);

  const Json* lods = find_named(preset["nodes"], "lods");
  ASSERT_NE(lods, nullptr);
  EXPECT_NE((*lods)["after"].dump().find("normals"), std::string::npos);

  const HttpResult missing = http("GET", service.url("/v1/presets/nope"), {auth});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "not_found");
}

TEST(PipelinesApi, OverridesByParameterOrSettingChangeWhatTheJobMakes) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, testdata("meshes/suzanne.obj"));
  const auto submit = [&](const std::string& pipeline, const Json& overrides) {
    return http("POST", service.url("/v1/jobs"), {auth},
                Json{{"pipeline", pipeline}, {"inputs", {asset}}, {"overrides", overrides}}.dump());
  };
  const auto artifact_names = [](const Json& job) {
    std::set<std::string> names;
    for (const Json& artifact : job["artifacts"]) names.insert(artifact.value("name", ""));
    return names;
  };

  const HttpResult by_param = submit(kQuickPipeline, {{"export.format", "obj"}});
  ASSERT_EQ(by_param.status, 202) << by_param.body;
  EXPECT_EQ(by_param.json()["overrides"], (Json{{"export.format", "obj"}}));
  const Json param_job = service.wait_for(auth, by_param.json()["id"]);
  ASSERT_EQ(param_job["state"], "succeeded") << param_job.dump();
  EXPECT_EQ(param_job["overrides"], (Json{{"export.format", "obj"}}));
  EXPECT_TRUE(artifact_names(param_job).count("suzanne.obj"));

  const HttpResult by_setting = submit(kPipelineWithASetting, {{"file_format", "stl"}});
  ASSERT_EQ(by_setting.status, 202) << by_setting.body;
  const Json setting_job = service.wait_for(auth, by_setting.json()["id"]);
  ASSERT_EQ(setting_job["state"], "succeeded") << setting_job.dump();
  EXPECT_TRUE(artifact_names(setting_job).count("suzanne.stl"));

  // Without overrides the job says so with an empty object.
  const HttpResult plain =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset}));
  EXPECT_EQ(plain.json()["overrides"], Json::object());
}

TEST(PipelinesApi, BadOverridesAreRefusedNamingTheEntry) {
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, testdata("meshes/suzanne.obj"));
  const auto submit = [&](const std::string& pipeline, const Json& overrides) {
    return http("POST", service.url("/v1/jobs"), {auth},
                Json{{"pipeline", pipeline}, {"inputs", {asset}}, {"overrides", overrides}}.dump());
  };
  const HttpResult out_of_range = submit("game-ready", {{"triangles", -5}});
  EXPECT_EQ(out_of_range.status, 400);
  EXPECT_EQ(out_of_range.json()["error"]["code"], "invalid_pipeline");
  EXPECT_EQ(error_message(out_of_range).rfind("overrides: ", 0), 0u) << out_of_range.body;
  EXPECT_NE(error_message(out_of_range).find("triangles"), std::string::npos);

  // In the order written (the body as text: this test's JSON sorts keys): the setting,
  // then one of its parameters apart from the others.
  const HttpResult apart =
      http("POST", service.url("/v1/jobs"), {auth},
           R"({"pipeline": "game-ready", "inputs": [")" + asset +
               R"("], "overrides": {"triangles": 5000, "lod0.triangles": 4000}})");
  EXPECT_EQ(apart.status, 400);
  EXPECT_NE(error_message(apart).find("setting 'triangles'"), std::string::npos) << apart.body;

  const HttpResult not_a_choice = submit(kQuickPipeline, {{"export.format", "fbx"}});
  EXPECT_EQ(not_a_choice.status, 400);
  EXPECT_NE(error_message(not_a_choice).find("fbx"), std::string::npos) << not_a_choice.body;

  const HttpResult no_such_node = submit(kQuickPipeline, {{"nosuch.format", "glb"}});
  EXPECT_EQ(no_such_node.status, 400);
  EXPECT_EQ(error_message(no_such_node).find("--set"), std::string::npos) << no_such_node.body;
  EXPECT_NE(error_message(no_such_node).find("nosuch"), std::string::npos) << no_such_node.body;

  const HttpResult no_such_setting = submit("game-ready", {{"colour_depth", 16}});
  EXPECT_EQ(no_such_setting.status, 400);
  EXPECT_NE(error_message(no_such_setting).find("colour_depth"), std::string::npos)
      << no_such_setting.body;

  const HttpResult bad_value = submit(kQuickPipeline, {{"export.format", {{"a", 1}}}});
  EXPECT_EQ(bad_value.status, 400);
  EXPECT_EQ(bad_value.json()["error"]["code"], "invalid_field");
  EXPECT_NE(error_message(bad_value).find("export.format"), std::string::npos);

  const HttpResult not_an_object = submit(kQuickPipeline, Json::array({"export.format=obj"}));
  EXPECT_EQ(not_an_object.status, 400);
  EXPECT_EQ(not_an_object.json()["error"]["code"], "invalid_field");
  EXPECT_TRUE(http("GET", service.url("/v1/jobs"), {auth}).json()["jobs"].empty());
}

TEST(PipelinesApi, AJobsPipelineIsItsNodeGraphWithGeneratedInputsAsNodes) {
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, testdata("meshes/suzanne.obj"));
  const std::string uploaded =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset})).json()["id"];
  const Json graph = http("GET", service.url("/v1/jobs/" + uploaded + "/pipeline"), {auth}).json();
  EXPECT_EQ(graph["pipeline"], "inline");
  EXPECT_EQ(graph["nodes"], Json::parse(R"([{"name": "load", "op": "load", "after": []},
    {"name": "export", "op": "export", "after": ["load"]}])"));

  pipeline::register_remote_provider(std::make_shared<UncalledProvider>());
  const HttpResult submitted =
      http("POST", service.url("/v1/jobs"), {auth},
           Json{{"pipeline", "game-ready"},
                {"inputs", {{{"prompt", "a red chair"}, {"provider", "uncalled-pipelines-test"}}}}}
               .dump());
  pipeline::unregister_remote_provider("uncalled-pipelines-test");
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const std::string prompted = submitted.json()["id"];
  const Json generated =
      http("GET", service.url("/v1/jobs/" + prompted + "/pipeline"), {auth}).json();
  EXPECT_EQ(generated["pipeline"], "game-ready");
  EXPECT_EQ(generated["nodes"][0], Json::parse(R"({"name": "generate:source", "op": "generate",
    "after": []})"));
  EXPECT_EQ((*find_named(generated["nodes"], "load"))["after"], Json::array({"generate:source"}));

  const std::string other = service.key_header("other");
  EXPECT_EQ(http("GET", service.url("/v1/jobs/" + uploaded + "/pipeline"), {other}).status, 404);
}

}  // namespace
}  // namespace atlas::test
