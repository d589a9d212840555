#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>

#include "pipeline/ops/ops.h"
#include "pipeline/remote_provider.h"

namespace atlas::pipeline::ops {
namespace {

std::string node_prefix(const OpContext& context) { return "node '" + context.node + "': "; }

Error node_error(const OpContext& context, const std::string& message) {
  return make_error(node_prefix(context) + message);
}

Result<std::shared_ptr<const RemoteProvider>> registered_provider(const OpContext& context) {
  const std::string& name = context.text("provider");
  if (name.empty())
    return node_error(context, "the provider parameter is empty: name a registered provider");
  std::shared_ptr<const RemoteProvider> provider = find_remote_provider(name);
  if (!provider) return node_error(context, "no provider named '" + name + "' is registered");
  return provider;
}

// Checked here so a typo in a document fails before anything is sent (and paid for).
Status check_options(const OpContext& context) {
  const nlohmann::json options =
      nlohmann::json::parse(context.text("options"), nullptr, /*allow_exceptions=*/false);
  if (!options.is_object())
    return node_error(context,
                      "options must be a JSON object, got '" + context.text("options") + "'");
  return Ok{};
}

Result<Value> image_input(const OpContext& context) {
  const Value* image = context.input("image");
  if (!image) return Value{};
  if (!image->image())
    return node_error(context,
                      std::string("image must be an image, got a ") + to_string(image->type()));
  return *image;
}

// A context without a cancel flag is never cancelled.
const std::atomic<bool>& cancel_flag(const OpContext& context) {
  static const std::atomic<bool> never{false};
  return context.cancel_flag ? *context.cancel_flag : never;
}

// The provider's answer as the op's output, with the node and provider named in errors.
Result<Value> received_asset(const OpContext& context, const RemoteProvider& provider,
                             const Result<RemoteAsset>& answer) {
  const std::string from = node_prefix(context) + "provider '" + provider.name() + "'";
  if (!answer) return with_context(from, answer.error());
  if (context.cancelled()) return make_error("cancelled");
  Result<Value> asset = decode_remote_asset(*answer);
  if (!asset) return with_context(from, asset.error());
  return asset;
}

const char* kind_of_value(const Value& asset) { return asset.splat() ? "splat" : "mesh"; }

Result<Values> run_generate(const OpContext& context) {
  Result<std::shared_ptr<const RemoteProvider>> provider = registered_provider(context);
  if (!provider) return provider.error();
  if (Status options = check_options(context); !options) return options.error();
  Result<Value> image = image_input(context);
  if (!image) return image.error();

  GenerateRequest request;
  request.prompt = context.text("prompt");
  request.image = *image;
  request.kind = context.text("kind") == "mesh" ? RemoteAssetKind::Mesh : RemoteAssetKind::Splat;
  request.options_json = context.text("options");
  request.usage = context.record_usage;
  if (request.prompt.empty() && request.image.empty())
    return node_error(context, "generate needs a prompt or an image");
  if (context.cancelled()) return make_error("cancelled");

  Result<Value> asset = received_asset(
      context, **provider, (*provider)->generate(request, cancel_flag(context), context.progress));
  if (!asset) return asset.error();
  if (std::string_view(kind_of_value(*asset)) != to_string(request.kind))
    return node_error(context, "provider '" + (*provider)->name() + "' returned a " +
                                   kind_of_value(*asset) + ", but kind is " +
                                   to_string(request.kind));
  context.progress(1);
  return Values{{"asset", std::move(asset).value()}};
}

Result<Values> run_http_model(const OpContext& context) {
  Result<std::shared_ptr<const RemoteProvider>> provider = registered_provider(context);
  if (!provider) return provider.error();
  if (Status options = check_options(context); !options) return options.error();
  Result<Value> image = image_input(context);
  if (!image) return image.error();

  ModelRequest request;
  request.model = context.text("model");
  if (const Value* input = context.input("input")) request.input = *input;
  request.image = *image;
  request.options_json = context.text("options");
  request.usage = context.record_usage;
  if (context.cancelled()) return make_error("cancelled");

  Result<Value> output = received_asset(
      context, **provider, (*provider)->run_model(request, cancel_flag(context), context.progress));
  if (!output) return output.error();
  context.progress(1);
  return Values{{"output", std::move(output).value()}};
}

ParamSpec provider_param(std::string default_name) {
  return {.name = "provider",
          .type = ParamType::Text,
          .default_value = std::move(default_name),
          .choices = {},
          .doc = "the registered remote provider to call (see remote_provider.h)"};
}

ParamSpec options_param() {
  return {.name = "options",
          .type = ParamType::Text,
          .default_value = std::string("{}"),
          .choices = {},
          .doc =
              "the provider's own settings, a JSON object (404: model, seed, model_params, "
              "candidates, format; see providers/gateway_provider.h)"};
}

}  // namespace

void add_remote_ops(std::vector<OpSpec>& catalogue) {
  catalogue.push_back(
      {.name = "generate",
       .version = 1,
       .purpose = "Generates a splat or a mesh from a prompt or an image with a remote provider "
                  "(the 404 network). The service decides the result: the same request may "
                  "give another asset.",
       .inputs = {{.name = "image",
                   .type = ValueType::Image,
                   .optional = true,
                   .doc = "the picture to generate from (image-to-3D) instead of a prompt"}},
       .outputs = {{.name = "asset",
                    .type = ValueType::Asset,
                    .doc = "the generated splat or mesh, as kind asks"}},
       .params = {{.name = "prompt",
                   .type = ParamType::Text,
                   .default_value = std::string(),
                   .choices = {},
                   .doc = "what to generate (text-to-3D); empty when an image is connected"},
                  provider_param("404"),
                  {.name = "kind",
                   .type = ParamType::Text,
                   .default_value = std::string("splat"),
                   .choices = {"splat", "mesh"},
                   .doc = "what to ask for: Gaussian splats or a textured mesh"},
                  options_param()},
       .run = run_generate});
  catalogue.push_back(
      {.name = "http_model",
       .version = 1,
       .purpose = "Runs a model of a remote provider on an asset and/or an image (re-meshing, "
                  "texturing and similar services) and returns the asset it makes. The "
                  "service decides the result.",
       .inputs = {{.name = "input",
                   .type = ValueType::Asset,
                   .optional = true,
                   .doc = "the splat, mesh or LOD chain the model works on"},
                  {.name = "image",
                   .type = ValueType::Image,
                   .optional = true,
                   .doc = "an image the model takes (a reference view, a texture)"}},
       .outputs = {{.name = "output",
                    .type = ValueType::Asset,
                    .doc = "the splat, mesh or LOD chain the model returned"}},
       .params = {provider_param(""),
                  {.name = "model",
                   .type = ParamType::Text,
                   .default_value = std::string(),
                   .choices = {},
                   .doc = "the provider's name for the model; empty: the provider's default"},
                  options_param()},
       .run = run_http_model});
}

}  // namespace atlas::pipeline::ops
