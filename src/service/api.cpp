#include "service/api.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>

#include "service/api_keys.h"
#include "service/api_support.h"
#include "service/ids.h"

namespace atlas::service {

namespace {

constexpr const char* kOpenApi =
#include "openapi_text.inc"
    ;

struct RouteEntry {
  const char* method;
  const char* path;
  HttpResponse (*handler)(const Api::Call&);
};

// The authenticated routes, matched in order.
const RouteEntry kRoutes[] = {
    {"POST", "/v1/assets", upload_asset},
    {"GET", "/v1/assets/{id}", get_asset},
    {"GET", "/v1/assets/{id}/content", get_asset_content},
    {"POST", "/v1/jobs", create_job},
    {"GET", "/v1/jobs", list_jobs},
    {"GET", "/v1/jobs/{id}", get_job},
    {"DELETE", "/v1/jobs/{id}", cancel_job},
    {"GET", "/v1/jobs/{id}/events", job_events},
    {"GET", "/v1/jobs/{id}/pipeline", get_job_pipeline},
    {"GET", "/v1/jobs/{id}/artifacts.zip", get_artifacts_zip},
    {"GET", "/v1/jobs/{id}/artifacts/{name}", get_artifact},
    {"GET", "/v1/jobs/{id}/webhooks", job_webhooks},
    {"GET", "/v1/webhook-secret", get_webhook_secret},
    {"GET", "/v1/usage", get_usage},
    {"GET", "/v1/presets", list_presets},
    {"GET", "/v1/presets/{name}", get_preset},
    {"GET", "/v1/ops", list_ops},
};

// The routes without a key: probes, metrics and the API's description.
const char* const kSystemRoutes[] = {"/healthz", "/readyz", "/metrics", "/openapi.json"};

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Whether `path` fits the template; fills the placeholders' raw (undecoded) values.
bool matches(std::string_view pattern, std::string_view path,
             std::vector<std::string_view>& params) {
  const auto want = segments(pattern), have = segments(path);
  if (want.size() != have.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (have[i].empty()) return false;
      params.push_back(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals), true);
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!name || !value) return std::nullopt;
    fields[*name] = *value;
  }
  return fields;
}

std::string bearer_key(const HttpRequest& request) {
  std::string_view authorization = request.header("authorization");
  if (authorization.size() > 7 &&
      (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer "))
    return std::string(authorization.substr(7));
  return std::string(request.header("x-api-key"));
}

}  // namespace

HttpResponse json_response(int status, const Json& body) {
  return {status,
          {{"Content-Type", "application/json"}},
          body.dump(-1, ' ', false, Json::error_handler_t::replace),
          {}};
}

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

HttpResponse storage_error(const Error& error) {
  return error_response(500, "storage", error.message);
}

Json iso_time(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, int(ms % 1000));
  return text;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex(text[i + 1]), low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

Api::Api(JobStore& store, ArtifactStore& artifacts, ApiOptions options)
    : store_(store),
      artifacts_(artifacts),
      options_(std::move(options)),
      limiter_(options_.rate_limit),
      call_key_prefix_(random_id("api:") + ":"),
      usage_flusher_([this] { flush_usage_loop(); }) {}

Api::~Api() {
  {
    const std::lock_guard lock(usage_mutex_);
    stopping_ = true;
  }
  usage_cv_.notify_all();
  usage_flusher_.join();
}

void Api::flush_usage_loop() {
  std::unique_lock lock(usage_mutex_);
  for (;;) {
    usage_cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; });
    std::vector<UsageEntry> batch;
    batch.swap(pending_usage_);
    const bool last = stopping_;
    lock.unlock();
    if (!batch.empty())
      if (Status recorded = store_.record_usage_batch(batch); !recorded)
        std::fprintf(stderr, "atlas serve: %s\n", recorded.error().message.c_str());
    lock.lock();
    if (last && pending_usage_.empty()) return;
  }
}

void Api::charge_call(const std::string& tenant_id, const std::string& route) {
  UsageEntry entry;
  entry.entry_key = call_key_prefix_ + std::to_string(++calls_charged_);
  entry.tenant_id = tenant_id;
  entry.kind = UsageKind::ApiCall;
  entry.provider = "atlas";
  entry.detail = route;
  entry.quantity = 1;
  entry.cost = options_.prices.api_call;
  entry.currency = options_.prices.currency;
  entry.billed_by = "atlas";
  entry.time_ms = now_ms();
  const std::lock_guard lock(usage_mutex_);
  pending_usage_.push_back(std::move(entry));
}

Result<std::optional<ApiKey>> Api::find_key(const std::string& secret) {
  if (auto cached = recent_keys_.find(secret)) return std::optional<ApiKey>(std::move(*cached));
  auto found = store_.find_key(hash_api_key(secret));
  if (found && *found) recent_keys_.store(secret, **found);
  return found;
}

std::vector<Route> Api::routes() {
  std::vector<Route> all;
  for (const RouteEntry& route : kRoutes) all.push_back({route.method, route.path});
  for (const char* path : kSystemRoutes) all.push_back({"GET", path});
  return all;
}

HttpResponse Api::handle(const HttpRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  HttpResponse response;
  try {
    const std::string_view path = request.path();
    bool handled = false;
    for (const char* system : kSystemRoutes) {
      if (path != system) continue;
      handled = true;
      route = system;
      if (request.method != "GET") {
        response = error_response(405, "method_not_allowed", std::string(path) + " takes GET");
        response.headers.emplace_back("Allow", "GET");
      } else if (path == "/healthz") {
        response = json_response(200, {{"status", "ok"}});
      } else if (path == "/readyz") {
        auto counts = store_.count_jobs();
        response = counts ? json_response(200, {{"status", "ready"}})
                          : error_response(503, "not_ready", counts.error().message);
      } else if (path == "/metrics") {
        auto counts = store_.count_jobs();
        auto calls = store_.provider_calls();
        response = {
            200,
            {{"Content-Type", "text/plain; version=0.0.4"}},
            metrics_.exposition(counts ? *counts : std::vector<std::pair<JobState, std::int64_t>>{},
                                options_.jobs_run ? options_.jobs_run() : 0,
                                calls ? *calls : std::vector<ProviderCalls>{}),
            {}};
      } else {
        response = {200, {{"Content-Type", "application/json"}}, kOpenApi, {}};
      }
    }
    if (!handled) {
      std::vector<std::string_view> raw_params;
      const RouteEntry* found = nullptr;
      std::string allowed;
      for (const RouteEntry& entry : kRoutes) {
        if (!matches(entry.path, path, raw_params)) continue;
        if (request.method == entry.method) {
          found = &entry;
          break;
        }
        allowed += (allowed.empty() ? "" : ", ") + std::string(entry.method);
      }
      if (found == nullptr && !allowed.empty()) {
        response =
            error_response(405, "method_not_allowed",
                           std::string(path) + " takes " + allowed + ", not " + request.method);
        response.headers.emplace_back("Allow", allowed);
      } else if (found == nullptr) {
        response = error_response(404, "not_found",
                                  "no route " + std::string(path) + " (see /openapi.json)");
      } else {
        route = found->path;
        matches(found->path, path, raw_params);
        std::vector<std::string> params;
        auto query = parse_query(request.query());
        for (std::string_view raw : raw_params) {
          auto decoded = percent_decode(raw, false);
          if (!decoded) query.reset();
          params.push_back(decoded.value_or(""));
        }
        const std::string key = bearer_key(request);
        if (!query) {
          response = error_response(400, "bad_request", "malformed percent-escape in the URL");
        } else if (key.empty()) {
          response =
              error_response(401, "unauthenticated",
                             "an API key is required: Authorization: Bearer KEY or x-api-key: KEY");
          response.headers.emplace_back("WWW-Authenticate", "Bearer");
        } else if (auto found_key = find_key(key); !found_key) {
          response = storage_error(found_key.error());
        } else if (!*found_key) {
          response = error_response(401, "unauthenticated", "the API key is not valid");
          response.headers.emplace_back("WWW-Authenticate", "Bearer");
        } else if (const double wait = limiter_.acquire((*found_key)->id); wait > 0) {
          response = error_response(429, "rate_limited",
                                    "this API key is over its rate limit; retry later");
          response.headers.emplace_back("Retry-After", std::to_string(int(std::ceil(wait))));
        } else {
          charge_call((*found_key)->tenant_id, route);
          const Call call{request, std::move(params), std::move(*query), **found_key,
                          store_,  artifacts_,        options_};
          response = found->handler(call);
        }
      }
    }
  } catch (const std::exception& error) {
    response = error_response(500, "internal", std::string("the request failed: ") + error.what());
  }
  // Methods outside the API's are one series, so odd requests cannot grow the metrics.
  const bool known_method =
      request.method == "GET" || request.method == "POST" || request.method == "DELETE";
  metrics_.record_request(
      route, known_method ? request.method : "other", response.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return response;
}

}  // namespace atlas::service
