#pragma once
// A job's inputs: uploaded assets, or generation requests that a worker turns into the
// input file before the pipeline runs (a prompt for text-to-3D, an uploaded image for
// image-to-3D), so a client can go from a prompt to a game-ready asset in one job.
//
// The store keeps each input as text: an asset id ("ast_..."), or a generation request as
// the JSON object's text ({"prompt": ...}). Generation requests are checked when the job
// is submitted and read again when it runs.

#include <string>

#include "core/result.h"

namespace atlas::service {

struct GenerationRequest {
  std::string prompt;          // text-to-3D; empty when generating from the image
  std::string image_asset;     // image-to-3D: an uploaded PNG, JPEG or WebP ("ast_...")
  std::string kind = "splat";  // "splat" or "mesh"
  std::string provider = "404";
  std::string options_json = "{}";  // the provider's own settings (see the generate op)
};

struct JobInput {
  std::string asset_id;  // empty for a generation
  GenerationRequest generation;

  bool is_generation() const { return asset_id.empty(); }
};

// The longest prompt a request may carry (404 takes shorter ones; its provider says so).
constexpr std::size_t kMaxPromptBytes = 4096;

// One item of POST /v1/jobs's `inputs` as JSON text: an asset id string, or an object
// {"prompt": TEXT} or {"image": ASSET_ID}, with optional "kind" ("splat" or "mesh"),
// "provider" (default "404") and "options" (an object). Errors say which field is wrong
// and how, for the API to return as they are.
Result<JobInput> parse_job_input(const std::string& json_text);

// What the store keeps for the input (see above), and back. decode fails on text that
// is neither, naming it.
std::string encode_job_input(const JobInput& input);
Result<JobInput> decode_job_input(const std::string& stored);

// The input as the API shows it: the asset id as a JSON string, or the request's object.
std::string job_input_json(const JobInput& input);

}  // namespace atlas::service
