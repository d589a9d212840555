#include "service/job_input.h"

#include <nlohmann/json.hpp>

#include "service/ids.h"

namespace atlas::service {

namespace {

using Json = nlohmann::ordered_json;

Error input_error(const std::string& message) { return make_error("inputs: " + message); }

Result<JobInput> from_json(const Json& item) {
  JobInput input;
  if (item.is_string()) {
    input.asset_id = item.get<std::string>();
    if (!is_id(input.asset_id, "ast_"))
      return input_error("no asset '" + input.asset_id + "' (upload it with POST /v1/assets)");
    return input;
  }
  if (!item.is_object())
    return input_error("every item is an asset id or a generation request ({\"prompt\": ...})");
  GenerationRequest& request = input.generation;
  for (const auto& [name, value] : item.items()) {
    if (name == "prompt" || name == "image" || name == "kind" || name == "provider") {
      if (!value.is_string()) return input_error(name + " must be a string");
      const std::string& text = value.get_ref<const std::string&>();
      if (name == "prompt") request.prompt = text;
      if (name == "image") request.image_asset = text;
      if (name == "kind") request.kind = text;
      if (name == "provider") request.provider = text;
    } else if (name == "options") {
      if (!value.is_object()) return input_error("options must be an object");
      request.options_json = value.dump();
    } else {
      return input_error(name +
                         ": unknown field of a generation request (prompt, image, kind, provider, "
                         "options)");
    }
  }
  if (request.prompt.empty() == request.image_asset.empty())
    return input_error("a generation request needs a prompt or an image, not both");
  if (request.prompt.size() > kMaxPromptBytes)
    return input_error("the prompt is longer than " + std::to_string(kMaxPromptBytes) + " bytes");
  if (!request.image_asset.empty() && !is_id(request.image_asset, "ast_"))
    return input_error("image: no asset '" + request.image_asset +
                       "' (upload the picture with POST /v1/assets)");
  if (request.kind != "splat" && request.kind != "mesh")
    return input_error("kind: splat or mesh, not '" + request.kind + "'");
  if (request.provider.empty()) return input_error("provider: a registered provider's name");
  return input;
}

Json to_json(const JobInput& input) {
  if (!input.is_generation()) return input.asset_id;
  const GenerationRequest& request = input.generation;
  Json json = Json::object();
  if (!request.prompt.empty()) json["prompt"] = request.prompt;
  if (!request.image_asset.empty()) json["image"] = request.image_asset;
  json["kind"] = request.kind;
  json["provider"] = request.provider;
  json["options"] = Json::parse(request.options_json, nullptr, false);
  return json;
}

}  // namespace

Result<JobInput> parse_job_input(const std::string& json_text) {
  const Json item = Json::parse(json_text, nullptr, false);
  if (item.is_discarded()) return input_error("not JSON");
  return from_json(item);
}

std::string encode_job_input(const JobInput& input) {
  return input.is_generation() ? to_json(input).dump() : input.asset_id;
}

Result<JobInput> decode_job_input(const std::string& stored) {
  if (!stored.empty() && stored.front() == '{') return parse_job_input(stored);
  if (!is_id(stored, "ast_")) return make_error("job input '" + stored + "' is not an asset id");
  JobInput input;
  input.asset_id = stored;
  return input;
}

std::string job_input_json(const JobInput& input) { return to_json(input).dump(); }

}  // namespace atlas::service
