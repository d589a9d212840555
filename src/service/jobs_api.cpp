// /v1/jobs: submitting, reading, listing and cancelling jobs, their event streams and
// their artifacts.

#include <algorithm>
#include <memory>
#include <variant>

#include "core/sha256.h"
#include "pipeline/presets.h"
#include "pipeline/remote_provider.h"
#include "service/api_support.h"
#include "service/ids.h"
#include "service/job_input.h"
#include "service/job_pipeline.h"

namespace atlas::service {

namespace {

constexpr int kMaxInputs = 64;
constexpr std::size_t kMaxIdempotencyKey = 255;

Json usage_json(const UsageEntry& entry) {
  return {{"kind", to_string(entry.kind)},
          {"provider", entry.provider},
          {"detail", entry.detail},
          {"quantity", entry.quantity},
          {"cost", entry.cost},
          {"currency", entry.currency},
          {"billed_by", entry.billed_by},
          {"time", iso_time(entry.time_ms)}};
}

Json inputs_json(const std::vector<std::string>& stored) {
  Json inputs = Json::array();
  for (const std::string& text : stored) {
    auto input = decode_job_input(text);
    inputs.push_back(input ? Json::parse(job_input_json(*input)) : Json(text));
  }
  return inputs;
}

Json job_json(const Job& job) {
  Json json = {{"id", job.id},
               {"state", to_string(job.state)},
               {"pipeline", pipeline::find_preset(job.pipeline) ? job.pipeline : "inline"},
               {"inputs", inputs_json(job.inputs)},
               {"progress", job.progress},
               {"current_node", job.current_node.empty() ? Json(nullptr) : Json(job.current_node)},
               {"error", nullptr},
               {"created_at", iso_time(job.created_ms)},
               {"started_at", iso_time(job.started_ms)},
               {"finished_at", iso_time(job.finished_ms)},
               {"attempts", job.attempts},
               {"cancel_requested", job.cancel_requested}};
  if (!job.error_code.empty())
    json["error"] = {{"code", job.error_code}, {"message", job.error_message}};
  if (!job.webhook_url.empty()) json["webhook_url"] = job.webhook_url;
  const Json overrides = Json::parse(job.overrides, nullptr, false);
  json["overrides"] = overrides.is_object() ? overrides : Json::object();
  return json;
}

// The job with its usage and artifacts, as GET /v1/jobs/{id} shows it.
Result<Json> detailed_job_json(const Api::Call& call, const Job& job) {
  Json json = job_json(job);
  auto usage = call.store.job_usage(job.id);
  if (!usage) return usage.error();
  Json entries = Json::array();
  double cost = 0;
  for (const UsageEntry& entry : *usage) {
    entries.push_back(usage_json(entry));
    cost += entry.cost;
  }
  json["usage"] = {{"total_cost", cost}, {"entries", entries}};
  Json artifacts = Json::array();
  if (job.state == JobState::Succeeded) {
    auto listed = call.artifacts.artifacts(job.id);
    if (!listed) return listed.error();
    for (const Artifact& artifact : *listed)
      artifacts.push_back({{"name", artifact.name},
                           {"size", artifact.size},
                           {"sha256", artifact.sha256},
                           {"url", "/v1/jobs/" + job.id + "/artifacts/" + artifact.name}});
  }
  json["artifacts"] = artifacts;
  return json;
}

}  // namespace

std::variant<Job, HttpResponse> tenant_job(const Api::Call& call) {
  const std::string& id = call.params.at(0);
  const auto not_found = error_response(404, "not_found", "no job '" + id + "'");
  if (!is_id(id, "job_")) return not_found;
  auto job = call.store.find_job(call.key.tenant_id, id);
  if (!job) return storage_error(job.error());
  if (!*job) return not_found;
  return std::move(**job);
}

HttpResponse create_job(const Api::Call& call) {
  const Json body = Json::parse(call.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return error_response(400, "invalid_json", "the body must be a JSON object");
  const auto field = body.find("pipeline");
  if (field == body.end() || !field->is_string() || field->get_ref<const std::string&>().empty())
    return error_response(400, "invalid_field",
                          "pipeline: required, a preset name or a pipeline document's text");
  const std::string& pipeline_text = field->get_ref<const std::string&>();
  if (pipeline_text.size() > call.options.max_pipeline_bytes)
    return error_response(413, "invalid_field",
                          "pipeline: the document is larger than " +
                              std::to_string(call.options.max_pipeline_bytes) + " bytes");
  NewJob job;
  job.tenant_id = call.key.tenant_id;
  job.key_id = call.key.id;
  // The key's own quotas, each falling back to the server's default.
  const JobLimits& defaults = call.options.default_limits;
  job.limits.concurrent_jobs = call.key.limits.concurrent_jobs > 0 ? call.key.limits.concurrent_jobs
                                                                   : defaults.concurrent_jobs;
  job.limits.jobs_per_day =
      call.key.limits.jobs_per_day > 0 ? call.key.limits.jobs_per_day : defaults.jobs_per_day;
  job.pipeline = pipeline_text;
  if (const auto inputs = body.find("inputs"); inputs != body.end()) {
    if (!inputs->is_array() || inputs->size() > kMaxInputs)
      return error_response(400, "invalid_field",
                            "inputs: an array of at most " + std::to_string(kMaxInputs) +
                                " asset ids or generation requests");
    for (const Json& item : *inputs) {
      auto input = parse_job_input(item.dump());
      if (!input) return error_response(400, "invalid_field", input.error().message);
      const std::string& asset_id =
          input->is_generation() ? input->generation.image_asset : input->asset_id;
      if (!asset_id.empty()) {
        auto asset = call.store.find_asset(call.key.tenant_id, asset_id);
        if (!asset) return storage_error(asset.error());
        if (!*asset)
          return error_response(
              400, "invalid_field",
              "inputs: no asset '" + asset_id + "' (upload it with POST /v1/assets)");
      }
      // Checked here so a job that could never run is refused now, not failed later.
      if (input->is_generation() &&
          pipeline::find_remote_provider(input->generation.provider) == nullptr)
        return error_response(400, "invalid_field",
                              "inputs: no provider '" + input->generation.provider +
                                  "' is configured on this server (docs/generation.md)");
      job.inputs.push_back(encode_job_input(*input));
    }
  }
  if (const auto webhook = body.find("webhook_url"); webhook != body.end() && !webhook->is_null()) {
    const std::string url = webhook->is_string() ? webhook->get<std::string>() : "";
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
      return error_response(400, "invalid_field", "webhook_url: an http:// or https:// URL");
    job.webhook_url = url;
  }
  if (const auto overrides = body.find("overrides");
      overrides != body.end() && !overrides->is_null()) {
    job.overrides = overrides->dump();
    if (auto assignments = override_assignments(job.overrides); !assignments)
      return error_response(400, "invalid_field", assignments.error().message);
  }
  for (const auto& [name, value] : body.items())
    if (name != "pipeline" && name != "inputs" && name != "webhook_url" && name != "overrides")
      return error_response(400, "invalid_field",
                            name + ": unknown field (pipeline, inputs, overrides, webhook_url)");
  job.idempotency_key = std::string(call.request.header("idempotency-key"));
  if (job.idempotency_key.size() > kMaxIdempotencyKey)
    return error_response(
        400, "invalid_header",
        "Idempotency-Key: at most " + std::to_string(kMaxIdempotencyKey) + " characters");
  auto pipeline = load_job_pipeline(job.pipeline, job.overrides);
  if (!pipeline) return error_response(400, "invalid_pipeline", pipeline.error().message);
  if (pipeline->document.inputs.size() != job.inputs.size())
    return error_response(400, "invalid_field",
                          "inputs: the pipeline takes " +
                              std::to_string(pipeline->document.inputs.size()) +
                              " input file(s), got " + std::to_string(job.inputs.size()));
  auto created = call.store.create_job(job);
  if (!created) return storage_error(created.error());
  if (created->refused != JobRefusal::None) return refusal_response(call, *created);
  // A repeated key answers with the job it created, and 200: nothing new was queued.
  HttpResponse response = json_response(created->created ? 202 : 200, job_json(created->job));
  response.headers.emplace_back("Location", "/v1/jobs/" + created->job.id);
  if (!created->created) response.headers.emplace_back("Idempotent-Replayed", "true");
  if (created->created && call.options.job_queued) call.options.job_queued();
  return response;
}

HttpResponse get_job(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  auto json = detailed_job_json(call, std::get<Job>(job));
  if (!json) return storage_error(json.error());
  return json_response(200, *json);
}

HttpResponse list_jobs(const Api::Call& call) {
  int limit = 20;
  if (const auto found = call.query.find("limit"); found != call.query.end()) {
    const std::string& text = found->second;
    if (text.empty() || text.size() > 3 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(text) < 1 || std::stoi(text) > 100)
      return error_response(400, "invalid_query", "limit: a whole number from 1 to 100");
    limit = std::stoi(text);
  }
  std::optional<JobState> state;
  if (const auto found = call.query.find("state"); found != call.query.end()) {
    state = parse_job_state(found->second);
    if (!state)
      return error_response(400, "invalid_query",
                            "state: one of queued, running, succeeded, failed, cancelled, not '" +
                                found->second + "'");
  }
  const auto cursor = call.query.find("cursor");
  auto page = call.store.list_jobs(call.key.tenant_id, state, limit,
                                   cursor == call.query.end() ? "" : cursor->second);
  if (!page) return error_response(400, "invalid_query", page.error().message);
  Json jobs = Json::array();
  for (const Job& job : page->jobs) jobs.push_back(job_json(job));
  return json_response(
      200, {{"jobs", jobs},
            {"next_cursor", page->next_cursor.empty() ? Json(nullptr) : Json(page->next_cursor)}});
}

HttpResponse cancel_job(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  auto cancelled = call.store.cancel_job(call.key.tenant_id, std::get<Job>(job).id);
  if (!cancelled) return storage_error(cancelled.error());
  if (!*cancelled) return error_response(404, "not_found", "no job '" + call.params[0] + "'");
  // Running: the worker stops at its next heartbeat, so the cancellation is accepted,
  // not done.
  return json_response((*cancelled)->state == JobState::Running ? 202 : 200, job_json(**cancelled));
}

HttpResponse job_events(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  // Resumes after the last event the client saw: Last-Event-ID, or ?after= for clients
  // that cannot set headers (browsers' EventSource only sends it when reconnecting).
  std::string after_text(call.request.header("last-event-id"));
  if (after_text.empty())
    if (const auto found = call.query.find("after"); found != call.query.end())
      after_text = found->second;
  std::int64_t after = 0;
  if (!after_text.empty()) {
    if (after_text.size() > 18 || !std::all_of(after_text.begin(), after_text.end(),
                                               [](char c) { return c >= '0' && c <= '9'; }))
      return error_response(
          400, "invalid_header",
          "Last-Event-ID: the id of an event of this stream, not '" + after_text + "'");
    after = std::stoll(after_text);
  }
  struct StreamState {
    JobStore* store;
    std::string tenant_id;
    std::string job_id;
    std::int64_t last;
  };
  auto state = std::make_shared<StreamState>(
      StreamState{&call.store, call.key.tenant_id, std::get<Job>(job).id, after});
  HttpResponse response;
  response.headers = {{"Content-Type", "text/event-stream"},
                      {"Cache-Control", "no-cache"},
                      {"X-Accel-Buffering", "no"}};
  response.body = "retry: 2000\n\n";
  response.stream = [state]() -> StreamChunk {
    const auto format = [&](const std::vector<JobEvent>& events) {
      std::string text;
      for (const JobEvent& event : events) {
        text += "id: " + std::to_string(event.seq) + "\nevent: " + event.type +
                "\ndata: " + event.data_json + "\n\n";
        state->last = event.seq;
      }
      return text;
    };
    auto events = state->store->events_after(state->job_id, state->last, 200);
    if (!events) return {"", true};
    if (!events->empty()) return {format(*events), false};
    // Nothing new: the stream ends once the job has (its last event is written in the
    // transaction that finishes it, so reading again after seeing it finished is enough).
    auto job = state->store->find_job(state->tenant_id, state->job_id);
    if (!job || !*job) return {"", true};
    if (!is_terminal((*job)->state)) return {"", false};
    events = state->store->events_after(state->job_id, state->last, 200);
    if (!events) return {"", true};
    return {format(*events), events->empty()};
  };
  return response;
}

HttpResponse get_artifact(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  const std::string& name = call.params.at(1);
  const auto not_found = error_response(
      404, "not_found", "job " + call.params[0] + " has no artifact named '" + name + "'");
  if (std::get<Job>(job).state != JobState::Succeeded) return not_found;
  auto found = call.artifacts.find_artifact(std::get<Job>(job).id, name);
  if (!found) return storage_error(found.error());
  if (!*found) return not_found;
  return file_response(call, (*found)->path, (*found)->artifact.sha256, name);
}

HttpResponse get_artifacts_zip(const Api::Call& call) {
  auto job = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&job)) return std::move(*error);
  const Job& found = std::get<Job>(job);
  if (found.state != JobState::Succeeded)
    return error_response(409, "not_succeeded",
                          "job " + found.id + " is " + to_string(found.state) +
                              ": its artifacts are there once it has succeeded");
  auto listed = call.artifacts.artifacts(found.id);
  if (!listed) return storage_error(listed.error());
  // The ZIP is made from the manifest's files, so the manifest's hashes name its version.
  std::string manifest;
  for (const Artifact& artifact : *listed) manifest += artifact.sha256 + " " + artifact.name + "\n";
  auto zip = call.artifacts.artifacts_zip(found.id);
  if (!zip) return storage_error(zip.error());
  HttpResponse response = file_response(
      call, *zip,
      sha256_hex(ByteView(reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size())),
      found.id + ".zip");
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + found.id + ".zip\"");
  return response;
}

}  // namespace atlas::service
