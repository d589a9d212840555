#include "providers/gateway_provider.h"

#include <nlohmann/json.hpp>

#include "formats/image_io.h"

namespace atlas::providers {
namespace {

constexpr std::size_t kMaxUploadBytes = std::size_t{2} << 20;

Result<GenerationRequest> parse_options(const pipeline::GenerateRequest& generate) {
  const nlohmann::json options =
      nlohmann::json::parse(generate.options_json, nullptr, /*allow_exceptions=*/false);
  if (!options.is_object()) return make_error("options must be a JSON object");
  GenerationRequest request;
  const bool mesh = generate.kind == pipeline::RemoteAssetKind::Mesh;
  request.task.model = mesh ? "404-mesh" : "404-3dgs";
  for (const auto& [key, value] : options.items()) {
    if (key == "model") {
      if (!value.is_string()) return make_error("options.model must be a string");
      request.task.model = value.get<std::string>();
    } else if (key == "seed") {
      if (!value.is_number_integer() ||
          (value.is_number_unsigned() && value.get<std::uint64_t>() >= std::uint64_t{1} << 32))
        return make_error("options.seed must be an integer from -2147483648 to 4294967295");
      request.task.seed = value.get<std::int64_t>();
    } else if (key == "model_params") {
      if (!value.is_object()) return make_error("options.model_params must be a JSON object");
      request.task.model_params_json = value.dump();
    } else if (key == "candidates") {
      if (value != "first" && value != "all")
        return make_error("options.candidates must be \"first\" or \"all\"");
      request.candidates = value == "all" ? CandidateMode::All : CandidateMode::First;
    } else if (key == "format") {
      if (value != "spz" && value != "ply")
        return make_error("options.format must be \"spz\" or \"ply\"");
      request.splat_encoding = value == "ply" ? SplatEncoding::Ply : SplatEncoding::Spz;
    } else {
      return make_error("unknown option '" + key +
                        "' (404 takes model, seed, model_params, candidates, format)");
    }
  }
  // Unknown models are refused with the list of models by check_task_request.
  const std::string& model = request.task.model;
  const bool makes_splats = model == "404-3dgs";
  const bool makes_meshes = model == "404-mesh" || model == "404-mesh-v2";
  if ((mesh && makes_splats) || (!mesh && makes_meshes))
    return make_error("model " + request.task.model + " does not make a " +
                      pipeline::to_string(generate.kind));
  return request;
}

// PNG keeps the picture exact; a photo too big for the gateway's 2 MiB as PNG goes as a
// high-quality JPEG instead.
Result<Bytes> encoded_image(const Image& image) {
  Bytes png = encode_png(image);
  if (png.empty()) return make_error("the image cannot be encoded as PNG");
  if (png.size() <= kMaxUploadBytes) return png;
  Bytes jpeg = encode_jpeg(image, 92);
  if (!jpeg.empty() && jpeg.size() <= kMaxUploadBytes) return jpeg;
  return make_error("the image is too large for 404 even as JPEG (" + std::to_string(jpeg.size()) +
                    " bytes; at most 2 MiB)");
}

std::string decode_failure_list(const std::vector<GatewayCandidate>& candidates) {
  std::string list;
  for (const GatewayCandidate& candidate : candidates)
    if (!candidate.asset)
      list += (list.empty() ? "" : "; ") + candidate.name + ": " + candidate.asset.error().message;
  return list;
}

}  // namespace

CandidateChooser first_decoded_candidate() {
  return [](const std::vector<GatewayCandidate>& candidates) -> Result<CandidateChoice> {
    nlohmann::json rejected = nlohmann::json::array();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].asset) {
        nlohmann::json explanation = {{"chooser", "first_decoded"},
                                      {"chosen", candidates[i].name},
                                      {"candidates", candidates.size()},
                                      {"rejected", rejected}};
        return CandidateChoice{i, explanation.dump()};
      }
      rejected.push_back(
          {{"name", candidates[i].name}, {"reason", candidates[i].asset.error().message}});
    }
    return make_error("none of the " + std::to_string(candidates.size()) +
                      " results could be read: " + decode_failure_list(candidates));
  };
}

GatewayProvider::GatewayProvider(std::shared_ptr<const GatewayClient> client,
                                 CandidateChooser chooser, GatewayGenerationObserver observer,
                                 PriceTable prices)
    : client_(std::move(client)),
      chooser_(std::move(chooser)),
      observer_(std::move(observer)),
      prices_(std::move(prices)) {}

Result<pipeline::RemoteAsset> GatewayProvider::generate(
    const pipeline::GenerateRequest& request, const std::atomic<bool>& cancel,
    const pipeline::RemoteProgress& progress) const {
  Result<GenerationRequest> options = parse_options(request);
  if (!options) return options.error();
  GenerationRequest& task_request = *options;
  task_request.task.prompt = request.prompt;
  if (const Image* image = request.image.image()) {
    Result<Bytes> encoded = encoded_image(*image);
    if (!encoded) return encoded.error();
    task_request.task.image = std::move(encoded).value();
  }

  GatewayGenerationReport report;
  const auto finish = [&](Result<pipeline::RemoteAsset> outcome) {
    const GenerationRecord& record = report.record;
    report_task_call({.provider = "404",
                      .model = record.model,
                      .billed_by = "404",
                      .task_id = record.task_id,
                      .task_outcome_unknown = record.task_outcome_unknown,
                      .create_requests = record.add_task_requests,
                      .seconds = std::chrono::duration<double>(record.elapsed).count(),
                      .succeeded = outcome.ok()},
                     prices_, request.usage);
    if (observer_) observer_(report);
    return outcome;
  };
  Generation generation = client_->generate(task_request, cancel, progress);
  report.record = generation.record;
  if (!generation.ok()) {
    report.error = generation.error;
    return finish(generation.error->as_error());
  }

  std::vector<GatewayCandidate> candidates;
  for (Candidate& downloaded : generation.candidates) {
    GatewayCandidate candidate;
    candidate.name = downloaded.name;
    candidate.file = {std::move(downloaded.bytes), downloaded.extension};
    candidates.push_back(std::move(candidate));
  }
  if (task_request.candidates == CandidateMode::First) {
    report.choice = CandidateChoice{0, nlohmann::json{{"chooser", "first_to_arrive"},
                                                      {"chosen", candidates[0].name},
                                                      {"candidates", 1}}
                                           .dump()};
    return finish(pipeline::RemoteAsset{std::move(candidates[0].file)});
  }

  for (GatewayCandidate& candidate : candidates)
    candidate.asset = pipeline::decode_remote_asset(pipeline::RemoteAsset{candidate.file});
  Result<CandidateChoice> choice = chooser_(candidates);
  if (choice && (choice->index >= candidates.size() || !candidates[choice->index].asset))
    choice = make_error("the chooser picked result " + std::to_string(choice->index + 1) +
                        ", which is not one of the results that decoded");
  if (!choice) {
    report.error = GatewayError{GatewayErrorCode::CorruptPayload, choice.error().message};
    return finish(report.error->as_error());
  }
  report.choice = *choice;
  pipeline::Value chosen = std::move(candidates[choice->index].asset).value();
  return finish(pipeline::RemoteAsset{std::move(chosen)});
}

}  // namespace atlas::providers
