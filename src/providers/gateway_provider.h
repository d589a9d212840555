#pragma once
// The 404 network as the pipeline's remote provider "404": the `generate` op's
// requests become gateway tasks, and the result (or, with every candidate, the one a
// chooser picks) comes back as the op's asset.
//
// `options` keys (GenerateRequest::options_json), all optional:
//   model         "404-3dgs" | "404-mesh" | "404-mesh-v2"; default by kind:
//                 splat -> 404-3dgs, mesh -> 404-mesh
//   seed          an integer, -2^31 ... 2^32-1
//   model_params  a JSON object (see TaskRequest::model_params_json)
//   candidates    "first" (default: the first result to arrive) | "all" (every result,
//                 decoded, then the chooser picks)
//   format        "spz" (default) | "ply": how splats are downloaded

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/remote_provider.h"
#include "providers/gateway_client.h"
#include "providers/price_table.h"

namespace atlas::providers {

// One result of a task, as downloaded and as decoded (an error when it did not decode).
struct GatewayCandidate {
  std::string name;  // "1.spz", "2.spz"... or "result.spz"
  pipeline::EncodedAsset file;
  Result<pipeline::Value> asset = make_error("not decoded");
};

// Which candidate won, and why, as a JSON object's text for reports.
struct CandidateChoice {
  std::size_t index = 0;
  std::string explanation_json = "{}";
};

// Picks one of the candidates (never empty); the pick must be one that decoded. Fails
// when none is acceptable, saying why. Called from several threads at once.
using CandidateChooser =
    std::function<Result<CandidateChoice>(const std::vector<GatewayCandidate>& candidates)>;

// The default chooser: the first candidate that decoded (the gateway's own order).
CandidateChooser first_decoded_candidate();

// What one generation did, for provenance ("powered by 404": provider, model, task id)
// and metering (what was charged). `choice` is set when an asset was returned.
struct GatewayGenerationReport {
  std::string provider = "404";
  GenerationRecord record;
  std::optional<CandidateChoice> choice;
  std::optional<GatewayError> error;
};

// Called once per generate(), successful or not, from the generating thread.
using GatewayGenerationObserver = std::function<void(const GatewayGenerationReport& report)>;

class GatewayProvider final : public pipeline::RemoteProvider {
 public:
  explicit GatewayProvider(std::shared_ptr<const GatewayClient> client,
                           CandidateChooser chooser = first_decoded_candidate(),
                           GatewayGenerationObserver observer = {}, PriceTable prices = {});

  std::string name() const override { return "404"; }

  // Fails before anything is sent on unknown option keys, bad option values, a model
  // that does not make the requested kind, and images the gateway would refuse; errors
  // from the gateway read "<code>: <message>" (GatewayError::as_error). The first
  // candidate is returned encoded for the op to decode; with candidates "all" the
  // chooser's pick is returned decoded. Every call that reached the gateway is reported
  // to request.usage, priced from the table the provider was made with, billed by 404.
  Result<pipeline::RemoteAsset> generate(const pipeline::GenerateRequest& request,
                                         const std::atomic<bool>& cancel,
                                         const pipeline::RemoteProgress& progress) const override;

 private:
  std::shared_ptr<const GatewayClient> client_;
  CandidateChooser chooser_;
  GatewayGenerationObserver observer_;
  PriceTable prices_;
};

}  // namespace atlas::providers
