#include "service/job_pipeline.h"

#include <nlohmann/json.hpp>

#include "pipeline/presets.h"

namespace atlas::service {

namespace {

// Ordered: overrides apply in the order the client wrote them, as `--set`s do.
using Json = nlohmann::ordered_json;

// The value as an override's text: lists comma-separated, as `--set` writes them.
Result<std::string> override_text(const std::string& name, const Json& value) {
  const auto refused = [&] {
    return make_error("overrides: " + name +
                      ": a value must be true or false, a number, a string or an array of "
                      "numbers");
  };
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number()) return value.dump();
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array() || value.empty()) return refused();
  std::string list;
  for (const Json& item : value) {
    if (!item.is_number()) return refused();
    list += (list.empty() ? "" : ",") + item.dump();
  }
  return list;
}

}  // namespace

Result<std::vector<std::string>> override_assignments(const std::string& overrides_json) {
  const Json overrides = Json::parse(overrides_json, nullptr, false);
  if (overrides.is_discarded() || !overrides.is_object())
    return make_error(
        "overrides: an object of setting or node.param names and their values, such as "
        "{\"triangles\": 5000}");
  std::vector<std::string> assignments;
  for (const auto& [name, value] : overrides.items()) {
    if (name.empty() || name.find_first_of("=\n") != std::string::npos)
      return make_error("overrides: '" + name + "' is not a setting or node.param name");
    auto text = override_text(name, value);
    if (!text) return text.error();
    assignments.push_back(name + "=" + *text);
  }
  return assignments;
}

Result<pipeline::Pipeline> load_job_pipeline(const std::string& preset_or_document,
                                             const std::string& overrides_json) {
  auto assignments = override_assignments(overrides_json);
  if (!assignments) return assignments.error();
  const bool is_preset = pipeline::find_preset(preset_or_document) != nullptr;
  // A single word that is not a preset was meant as one: say so rather than report it as
  // a malformed document.
  if (!is_preset && preset_or_document.find_first_of(":\n{") == std::string::npos)
    return make_error("pipeline: there is no preset named '" + preset_or_document +
                      "' (GET /v1/presets lists them)");
  const auto document = is_preset
                            ? pipeline::parse_pipeline(*pipeline::find_preset(preset_or_document),
                                                       "preset " + preset_or_document)
                            : pipeline::parse_pipeline(preset_or_document, "pipeline");
  if (!document) return document.error();
  pipeline::PipelineDocument overridden = *document;
  for (const std::string& assignment : *assignments)
    if (Status applied = pipeline::apply_override(overridden, assignment); !applied) {
      // Its messages name the command-line flag, which an API client did not use.
      std::string message = applied.error().message;
      if (message.rfind("--set ", 0) == 0) message.erase(0, 6);
      return make_error("overrides: " + message);
    }
  auto checked = pipeline::check_pipeline(std::move(overridden));
  // The document checks on its own, so the problem is a value the overrides gave.
  if (!checked && !assignments->empty() && pipeline::check_pipeline(*document))
    return make_error("overrides: " + checked.error().message);
  return checked;
}

}  // namespace atlas::service
