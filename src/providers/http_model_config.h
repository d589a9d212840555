#pragma once
// The declaration of a task-style REST model service (create a task, poll it, download
// its result), read from a YAML or JSON file, so that a retexturing, upscaling or
// rigging service joins pipelines through the `http_model` op without code.
// docs/generation.md ("http_model: any task-style model service") is the file's
// reference; providers/meshy-retexture.yaml is a worked example.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace atlas::providers {

// How often and how long the provider waits. Tests scale these down.
struct HttpModelTiming {
  // Polls are spread uniformly over [min, max] so many clients do not poll in step.
  std::chrono::milliseconds poll_interval_min{1000};
  std::chrono::milliseconds poll_interval_max{2000};
  // From the first create request to the end of the download.
  std::chrono::milliseconds timeout{600'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};    // create and poll
  std::chrono::milliseconds download_timeout{300'000};  // the result file
  // Back-off after 429 without Retry-After, 503 and transient failures: base * 2^k,
  // capped, with jitter.
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_max{30'000};
  // A Retry-After longer than this fails at once instead of waiting.
  std::chrono::milliseconds max_retry_after{120'000};
  int max_attempts = 4;  // per request, the first included
  std::size_t max_download_bytes = std::size_t{1} << 30;
};

// Placeholders, written {{name}}, in the create body's strings:
//   {{model}}           the node's `model` parameter, else `default_model`
//   {{input_data_uri}}  the node's input mesh (a LOD chain's finest level) as GLB, in a
//                       base64 data URI of type `input_mime`
//   {{image_data_uri}}  the node's image as PNG, in a data:image/png;base64 URI
//   {{options.NAME}}    the value of NAME in the node's `options` JSON object
// A string that is exactly one placeholder takes the value's JSON type (a boolean
// option stays a boolean), and its key is left out of the body when the value is
// absent (no input, no image, option not given); a placeholder inside longer text is
// replaced by the value's text and must have a value.
struct HttpModelConfig {
  std::string name;           // the provider's registered name, as documents use it
  std::string base_url;       // https://, or http:// to a loopback host; no trailing '/'
  std::string default_model;  // may be empty

  std::string auth_header;          // e.g. "Authorization"
  std::string auth_value_template;  // holds {{key}} once, e.g. "Bearer {{key}}"
  std::string key_env;              // the environment variable holding the key

  std::string create_method = "POST";  // POST, or GET (then without a body)
  std::string create_path;             // appended to base_url
  std::string create_body_json;        // the body template, a JSON object's text
  std::vector<long> create_accepted_status{200, 201, 202};
  std::string input_mime = "model/gltf-binary";
  std::string task_id_pointer;  // JSON pointer to the task id in the create answer

  std::string poll_path;       // appended to base_url; holds {{id}}
  std::string status_pointer;  // JSON pointer to the status in the poll answer
  std::vector<std::string> pending_values, running_values, succeeded_values, failed_values;
  std::string progress_pointer;  // optional: a number from 0 to progress_max
  double progress_max = 100;
  std::string error_pointer;  // optional: the failure's message

  std::string result_url_pointer;  // JSON pointer to the result's URL when succeeded
  std::string result_format;       // the result file's extension: glb, gltf, obj, ply, stl, spz

  // The option names the create body's template refers to; other options are refused.
  std::vector<std::string> option_names;

  HttpModelTiming timing;
};

// Parses a declaration. `source` names the text in errors, which read
// "SOURCE:LINE:COLUMN: FIELD: problem" (e.g. "meshy.yaml:12:3: poll.status: must be a
// JSON pointer such as /status"). Fails on YAML syntax errors, missing or unknown
// fields, wrong types, unknown placeholders, a poll path without {{id}} and a base URL
// that would send the key in clear text.
Result<HttpModelConfig> parse_http_model_config(std::string_view text, const std::string& source);

// Reads and parses `file`; errors name the file as given.
Result<HttpModelConfig> load_http_model_config(const std::filesystem::path& file);

}  // namespace atlas::providers
