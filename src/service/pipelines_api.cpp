// What a client needs to build a job: the presets with the settings and parameters it may
// override (GET /v1/presets, /v1/presets/{name}), the op catalogue (GET /v1/ops), and the
// node graph of a submitted job (GET /v1/jobs/{id}/pipeline).

#include <cmath>
#include <set>
#include <variant>

#include "pipeline/op.h"
#include "pipeline/presets.h"
#include "service/api_support.h"
#include "service/job_input.h"
#include "service/job_pipeline.h"

namespace atlas::service {

namespace {

Json param_value_json(const pipeline::ParamValue& value) {
  return std::visit([](const auto& held) { return Json(held); }, value);
}

// What a form needs to offer the parameter: its type, value, range and choices.
Json param_json(const std::string& name, const pipeline::ParamSpec& spec,
                const pipeline::ParamValue& value) {
  Json json = {{"name", name},
               {"type", pipeline::to_string(spec.type)},
               {"default", param_value_json(value)}};
  if (std::isfinite(spec.min)) json["min"] = spec.min;
  if (std::isfinite(spec.max)) json["max"] = spec.max;
  if (!spec.choices.empty()) json["choices"] = spec.choices;
  json["description"] = spec.doc;
  return json;
}

Json settings_json(const pipeline::Pipeline& pipeline) {
  Json settings = Json::array();
  for (const pipeline::Setting& setting : pipeline.settings) {
    Json json = param_json(setting.name, setting.spec, setting.spec.default_value);
    json["description"] = setting.doc;
    Json sets = Json::array();
    for (const pipeline::SettingTarget& target : setting.targets)
      sets.push_back(target.node + "." + target.param);
    json["sets"] = sets;
    settings.push_back(std::move(json));
  }
  return settings;
}

Json parameters_json(const pipeline::Pipeline& pipeline) {
  Json parameters = Json::array();
  for (int index : pipeline.order) {
    const std::string& node = pipeline.document.nodes[index].name;
    const pipeline::OpSpec& op = *pipeline.ops[index];
    for (const pipeline::ParamSpec& spec : op.params) {
      Json json = param_json(node + "." + spec.name, spec, pipeline.params[index].at(spec.name));
      json["node"] = node;
      json["op"] = op.name;
      parameters.push_back(std::move(json));
    }
  }
  return parameters;
}

// The nodes in the order they run, each with the nodes it reads from. A pipeline input a
// provider generates is a node of its own, as the job's events report it.
Json nodes_json(const pipeline::Pipeline& pipeline, const std::set<int>& generated_inputs) {
  Json nodes = Json::array();
  const auto input_node = [&](int input) {
    return "generate:" + pipeline.document.inputs[input].name;
  };
  for (int input : generated_inputs)
    nodes.push_back({{"name", input_node(input)}, {"op", "generate"}, {"after", Json::array()}});
  for (int index : pipeline.order) {
    std::set<std::string> after;
    for (const auto& [port, edge] : pipeline.inputs[index]) {
      if (edge.node >= 0)
        after.insert(pipeline.document.nodes[edge.node].name);
      else if (generated_inputs.count(edge.input) > 0)
        after.insert(input_node(edge.input));
    }
    nodes.push_back({{"name", pipeline.document.nodes[index].name},
                     {"op", pipeline.ops[index]->name},
                     {"after", after}});
  }
  return nodes;
}

}  // namespace

HttpResponse list_presets(const Api::Call&) {
  Json presets = Json::array();
  for (const pipeline::PresetInfo& preset : pipeline::list_presets())
    presets.push_back({{"name", preset.name}, {"description", preset.description}});
  return json_response(200, {{"presets", presets}});
}

HttpResponse get_preset(const Api::Call& call) {
  const std::string& name = call.params.at(0);
  if (pipeline::find_preset(name) == nullptr)
    return error_response(404, "not_found",
                          "no preset '" + name + "' (GET /v1/presets lists them)");
  auto loaded = load_job_pipeline(name);
  if (!loaded) return storage_error(loaded.error());
  return json_response(200, {{"name", name},
                             {"description", loaded->document.description},
                             {"settings", settings_json(*loaded)},
                             {"parameters", parameters_json(*loaded)},
                             {"nodes", nodes_json(*loaded, {})}});
}

HttpResponse get_job_pipeline(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  const Job& found = std::get<Job>(job);
  auto loaded = load_job_pipeline(found.pipeline, found.overrides);
  // Checked when the job was submitted; a preset changed by an upgrade since may not load.
  if (!loaded) return error_response(409, "invalid_pipeline", loaded.error().message);
  std::set<int> generated_inputs;
  for (std::size_t i = 0; i < found.inputs.size(); ++i)
    if (auto input = decode_job_input(found.inputs[i]); input && input->is_generation())
      generated_inputs.insert(int(i));
  return json_response(
      200, {{"pipeline", pipeline::find_preset(found.pipeline) ? found.pipeline : "inline"},
            {"nodes", nodes_json(*loaded, generated_inputs)},
            {"settings", settings_json(*loaded)}});
}

HttpResponse list_ops(const Api::Call&) {
  Json ops = Json::array();
  for (const pipeline::OpSpec& op : pipeline::op_catalogue()) {
    Json inputs = Json::array(), outputs = Json::array(), params = Json::array();
    for (const pipeline::PortSpec& port : op.inputs)
      inputs.push_back({{"name", port.name},
                        {"type", pipeline::to_string(port.type)},
                        {"optional", port.optional},
                        {"doc", port.doc}});
    for (const pipeline::PortSpec& port : op.outputs)
      outputs.push_back(
          {{"name", port.name}, {"type", pipeline::to_string(port.type)}, {"doc", port.doc}});
    for (const pipeline::ParamSpec& param : op.params) {
      Json entry = {{"name", param.name},
                    {"type", pipeline::to_string(param.type)},
                    {"default", pipeline::param_text(param.default_value)},
                    {"doc", param.doc}};
      if (!param.choices.empty()) entry["choices"] = param.choices;
      params.push_back(std::move(entry));
    }
    ops.push_back({{"name", op.name},
                   {"purpose", op.purpose},
                   {"inputs", inputs},
                   {"outputs", outputs},
                   {"params", params}});
  }
  return json_response(200, {{"ops", ops}});
}

}  // namespace atlas::service
