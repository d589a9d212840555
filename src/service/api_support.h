#pragma once
// What the API's handlers share; internal to the service layer (api.h is the interface).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "service/api.h"

namespace atlas::service {

using Json = nlohmann::ordered_json;

// One authenticated request as a handler sees it.
struct Api::Call {
  const HttpRequest& request;
  std::vector<std::string> params;           // the path's {placeholders}, in order, percent-decoded
  std::map<std::string, std::string> query;  // decoded; the last of a repeated name
  ApiKey key;
  JobStore& store;
  ArtifactStore& artifacts;
  const ApiOptions& options;
};

HttpResponse json_response(int status, const Json& body);
// {"error": {"code", "message"}}
HttpResponse error_response(int status, const std::string& code, const std::string& message);
// A store failure: 500, with the store's message.
HttpResponse storage_error(const Error& error);
// "2026-12-04T13:55:00.123Z"; null for 0 (not happened yet).
Json iso_time(std::int64_t ms);
// 402 insufficient_balance when the tenant's spending reached its credit limit, saying
// how much it spent of it; nullopt when it may spend more.
std::optional<HttpResponse> balance_refusal(const Api::Call& call);
// The 402 or 429 answer to a job create_job refused.
HttpResponse refusal_response(const Api::Call& call, const CreatedJob& refusal);

// %XX and (in queries) '+' decoded; nullopt when an escape is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// A stored file as the answer to a GET: ETag "<version>" (304 for a matching
// If-None-Match), one byte range (206, or 416) honouring If-Range, and the Content-Type
// of `name`'s extension.
HttpResponse file_response(const Api::Call& call, const std::filesystem::path& path,
                           const std::string& version, const std::string& name);

// The job the path's first placeholder names, of the caller's tenant; otherwise the 404
// (or storage error) to answer.
std::variant<Job, HttpResponse> tenant_job(const Api::Call& call);

HttpResponse upload_asset(const Api::Call& call);
HttpResponse get_asset(const Api::Call& call);
HttpResponse get_asset_content(const Api::Call& call);
HttpResponse create_job(const Api::Call& call);
HttpResponse get_job(const Api::Call& call);
HttpResponse list_jobs(const Api::Call& call);
HttpResponse cancel_job(const Api::Call& call);
HttpResponse job_events(const Api::Call& call);
HttpResponse get_artifact(const Api::Call& call);
HttpResponse get_artifacts_zip(const Api::Call& call);
HttpResponse get_job_pipeline(const Api::Call& call);
HttpResponse list_presets(const Api::Call& call);
HttpResponse get_preset(const Api::Call& call);
HttpResponse list_ops(const Api::Call& call);
HttpResponse get_usage(const Api::Call& call);
HttpResponse job_webhooks(const Api::Call& call);
HttpResponse get_webhook_secret(const Api::Call& call);

}  // namespace atlas::service
