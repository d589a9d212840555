#include "providers/http_model_provider.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <random>
#include <thread>

#include "core/base64.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "providers/http_exchange.h"

namespace atlas::providers {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using nlohmann::json;

constexpr std::size_t kQuotedBodyChars = 300;

GatewayError failure(GatewayErrorCode code, std::string message) {
  return GatewayError{code, std::move(message)};
}

// What the service said, on one line: its JSON "message" when it sends one (Meshy and
// most REST APIs do), else the start of the body.
std::string service_said(const HttpResponse& response) {
  const json body = json::parse(text_of(response.body), nullptr, /*allow_exceptions=*/false);
  std::string text;
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    text = body["message"].get<std::string>();
  else
    text = std::string(text_of(response.body).substr(0, kQuotedBodyChars));
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text.empty() ? "(empty body)" : text;
}

bool transient(const HttpResponse& response) {
  return response.status == 408 || response.status == 429 || response.status >= 500;
}

// "scheme://host[:port]" of a URL, lower-cased; empty when it has no scheme.
std::string origin_of(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const std::size_t path = url.find_first_of("/?#", scheme_end + 3);
  std::string origin(url.substr(0, path));
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return origin;
}

// A result URL is fetched only over TLS, or in clear to this machine (tests, a local
// service): the same rule as base URLs.
bool fetchable(std::string_view url) {
  if (url.starts_with("https://")) return url.size() > 8;
  for (std::string_view host : {"http://127.0.0.1", "http://localhost", "http://[::1]"})
    if (url.starts_with(host) &&
        (url.size() == host.size() ||
         std::string_view(":/?").find(url[host.size()]) != std::string_view::npos))
      return true;
  return false;
}

// A GLB's 12-byte header states the file's length: a cut-off download is caught here
// even when the connection closed cleanly.
bool complete_file(const Bytes& bytes, std::string_view format) {
  if (bytes.empty()) return false;
  if (format != "glb") return true;
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "glTF", 4) != 0) return false;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= std::uint32_t(bytes[8 + i]) << (8 * i);
  return length == bytes.size();
}

// JSON text; text that is not UTF-8 (a model name from a document) is replaced rather
// than thrown over.
std::string dumped(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One placeholder's value; nullopt when absent.
using PlaceholderValues = std::function<Result<std::optional<json>>(const std::string& name)>;

// Replaces the placeholders in a template string: nullopt when the string is a lone
// placeholder without a value (its key or element is then left out).
Result<std::optional<json>> substituted(const std::string& text, const PlaceholderValues& values) {
  const std::size_t open = text.find("{{");
  if (open == 0 && text.ends_with("}}") && text.find("{{", 2) == std::string::npos)
    return values(text.substr(2, text.size() - 4));
  std::string out;
  std::size_t at = 0;
  for (std::size_t start = open; start != std::string::npos; start = text.find("{{", at)) {
    const std::size_t end = text.find("}}", start + 2);
    const std::string name = text.substr(start + 2, end - start - 2);
    Result<std::optional<json>> value = values(name);
    if (!value) return value.error();
    if (!*value) return make_error("{{" + name + "}} is used inside text but has no value");
    out += text.substr(at, start - at);
    out += (*value)->is_string() ? (*value)->get<std::string>() : dumped(**value);
    at = end + 2;
  }
  out += text.substr(at);
  return std::optional<json>(std::move(out));
}

// The template with its placeholders filled (strings are filled by substituted()).
Result<json> filled(const json& node, const PlaceholderValues& values) {
  if (node.is_object()) {
    json object = json::object();
    for (const auto& [key, item] : node.items()) {
      if (item.is_string()) {
        Result<std::optional<json>> value = substituted(item.get<std::string>(), values);
        if (!value) return value.error();
        if (*value) object[key] = std::move(**value);
        continue;
      }
      Result<json> child = filled(item, values);
      if (!child) return child.error();
      object[key] = std::move(child).value();
    }
    return object;
  }
  if (node.is_array()) {
    json array = json::array();
    for (const json& item : node) {
      if (item.is_string()) {
        Result<std::optional<json>> value = substituted(item.get<std::string>(), values);
        if (!value) return value.error();
        if (*value) array.push_back(std::move(**value));
        continue;
      }
      Result<json> child = filled(item, values);
      if (!child) return child.error();
      array.push_back(std::move(child).value());
    }
    return array;
  }
  return node;
}

std::string data_uri(std::string_view mime, const Bytes& bytes) {
  return "data:" + std::string(mime) + ";base64," + base64_encode(bytes);
}

// One call from create to download. Not shared between threads.
class ModelRun {
 public:
  ModelRun(const HttpModelConfig& config, const std::string& api_key, const HttpClient& http,
           const pipeline::ModelRequest& request, const std::atomic<bool>& cancel,
           const pipeline::RemoteProgress& progress)
      : config_(config),
        timing_(config.timing),
        api_key_(api_key),
        http_(http),
        request_(request),
        cancel_(cancel),
        progress_(progress),
        random_(std::random_device{}()) {
    outcome_.record.provider = config.name;
    outcome_.record.model = request.model.empty() ? config.default_model : request.model;
  }

  HttpModelOutcome run() {
    if (std::optional<GatewayError> failed = execute()) {
      outcome_.result.reset();
      outcome_.error = scrubbed(std::move(*failed));
    }
    outcome_.record.elapsed = std::chrono::duration_cast<Millis>(Clock::now() - started_);
    return std::move(outcome_);
  }

 private:
  std::optional<GatewayError> execute() {
    if (api_key_.empty())
      return failure(GatewayErrorCode::NotConfigured,
                     "no API key: set the environment variable " + config_.key_env);
    Result<std::string> body = create_body();
    if (!body) return failure(GatewayErrorCode::BadRequest, body.error().message);
    if (std::optional<GatewayError> failed = create(*body)) return failed;
    report(0.05);
    GatewayResult<std::string> url = wait_for_result();
    if (!url) return url.error();
    return download(*url);
  }

  void report(double fraction) {
    fraction = std::clamp(fraction, reported_, 1.0);
    reported_ = fraction;
    if (progress_) progress_(fraction);
  }

  // Defence in depth: whatever a service echoes, the key never leaves in an error.
  GatewayError scrubbed(GatewayError error) const {
    if (api_key_.empty()) return error;
    for (std::size_t at = error.message.find(api_key_); at != std::string::npos;
         at = error.message.find(api_key_, at))
      error.message.replace(at, api_key_.size(), "[redacted]");
    return error;
  }

  GatewayError cancelled() const { return failure(GatewayErrorCode::Cancelled, "cancelled"); }

  Millis jittered(Millis low, Millis high) {
    if (high <= low) return low;
    std::uniform_int_distribution<Millis::rep> pick(low.count(), high.count());
    return Millis(pick(random_));
  }

  Millis backoff(int failures) {
    Millis delay = timing_.backoff_base;
    for (int i = 0; i < failures && delay < timing_.backoff_max; ++i) delay *= 2;
    delay = std::min(delay, timing_.backoff_max);
    return jittered(delay / 2, delay);
  }

  Millis remaining() const {
    return std::max(Millis(0),
                    std::chrono::duration_cast<Millis>(started_ + timing_.timeout - Clock::now()));
  }

  GatewayError timed_out(std::string_view what) const {
    return failure(
        GatewayErrorCode::Timeout,
        std::string(what) + ": no result within " + std::to_string(timing_.timeout.count()) +
            " ms, the configured timeout" +
            (outcome_.record.task_id.empty() ? "" : " (task " + outcome_.record.task_id + ")"));
  }

  // Waits `duration` or until the overall timeout, whichever is first; an error when
  // cancelled or out of time.
  std::optional<GatewayError> pause(Millis duration, std::string_view what) {
    const Millis left = remaining();
    if (!wait_unless_cancelled(std::min(duration, left), cancel_)) return cancelled();
    if (duration >= left) return timed_out(what);
    return std::nullopt;
  }

  Result<std::optional<json>> placeholder(const std::string& name, const json& options) const {
    if (name == "model") {
      const std::string& model = outcome_.record.model;
      return model.empty() ? std::optional<json>() : std::optional<json>(model);
    }
    if (name == "input_data_uri") {
      const pipeline::Value& input = request_.input;
      if (input.empty()) return std::optional<json>();
      if (input.splat())
        return make_error("this service takes a mesh, but the input is a splat cloud");
      const Mesh* mesh = input.mesh();
      if (!mesh) return make_error("the input is not a mesh");
      std::vector<OutputFile> glb = encode_gltf(*mesh, /*binary=*/true, "input");
      if (glb.empty() || glb.front().bytes.empty())
        return make_error("the input mesh cannot be written as GLB");
      return std::optional<json>(data_uri(config_.input_mime, glb.front().bytes));
    }
    if (name == "image_data_uri") {
      const Image* image = request_.image.image();
      if (!image) return std::optional<json>();
      Bytes png = encode_png(*image);
      if (png.empty()) return make_error("the image cannot be encoded as PNG");
      return std::optional<json>(data_uri("image/png", png));
    }
    const std::string option = name.substr(std::strlen("options."));
    if (!options.contains(option)) return std::optional<json>();
    return std::optional<json>(options[option]);
  }

  // The create body from the template; checked here, so nothing is sent (and paid for)
  // that the node got wrong.
  Result<std::string> create_body() const {
    const json options = json::parse(request_.options_json, nullptr, /*allow_exceptions=*/false);
    if (!options.is_object()) return make_error("options must be a JSON object");
    for (const auto& [key, value] : options.items()) {
      if (std::find(config_.option_names.begin(), config_.option_names.end(), key) !=
          config_.option_names.end())
        continue;
      std::string known;
      for (const std::string& name : config_.option_names)
        known += (known.empty() ? "" : ", ") + name;
      return make_error("unknown option '" + key + "' (" + config_.name + " takes " +
                        (known.empty() ? std::string("none") : known) + ")");
    }
    if (config_.create_method == "GET") return std::string();
    // The config loader wrote this text from YAML, so it parses.
    const json body_template = json::parse(config_.create_body_json);
    Result<json> body =
        filled(body_template, [&](const std::string& name) { return placeholder(name, options); });
    if (!body) return body.error();
    return dumped(*body);
  }

  HttpRequest request_to(std::string url, Millis timeout, bool with_key) const {
    HttpRequest request;
    request.url = std::move(url);
    if (with_key) {
      std::string value = config_.auth_value_template;
      value.replace(value.find("{{key}}"), 7, api_key_);
      request.headers.emplace_back(config_.auth_header, std::move(value));
    }
    request.connect_timeout = timing_.connect_timeout;
    request.timeout = std::max(Millis(1), std::min(timeout, remaining()));
    request.cancel = &cancel_;
    return request;
  }

  GatewayError error_from_response(const HttpResponse& response, std::string_view what) const {
    const std::string prefix =
        std::string(what) + " (HTTP " + std::to_string(response.status) + "): ";
    switch (response.status) {
      case 400:
      case 422:
        return failure(GatewayErrorCode::BadRequest,
                       prefix + "the service refused the request: " + service_said(response));
      case 401:
      case 403:
        return failure(GatewayErrorCode::Unauthorized, prefix + "the API key was refused (check " +
                                                           config_.key_env +
                                                           "): " + service_said(response));
      case 402:
        return failure(GatewayErrorCode::InsufficientBalance,
                       prefix + "the account cannot pay for the task: " + service_said(response));
      case 404:
        return failure(GatewayErrorCode::NotFound,
                       prefix + "no such task or file: " + service_said(response));
      case 429:
        return failure(GatewayErrorCode::RateLimited,
                       prefix + "rate limited: " + service_said(response));
      case 503:
        return failure(GatewayErrorCode::QueueFull,
                       prefix + "the service is unavailable or busy: " + service_said(response));
      default:
        return failure(GatewayErrorCode::ServerError,
                       prefix + "unexpected answer: " + service_said(response));
    }
  }

  static GatewayError error_from_transport(const HttpError& error, std::string_view what) {
    return transport_error(error, what, "the service");
  }

  static constexpr std::string_view kMaybeCharged =
      "; the task may have been created and charged, so it was not sent again";

  // The rules are documented at HttpModelProvider::run.
  std::optional<GatewayError> create(const std::string& body) {
    HttpModelRecord& record = outcome_.record;
    const std::string what = "create (" + config_.create_method + " " + config_.create_path + ")";
    std::optional<GatewayError> last_error;
    Millis next_wait{0};
    const int attempts = std::max(1, timing_.max_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0)
        if (std::optional<GatewayError> stopped = pause(next_wait, what)) return stopped;
      next_wait = backoff(attempt);
      if (cancel_.load()) return cancelled();
      HttpRequest request =
          request_to(config_.base_url + config_.create_path, timing_.request_timeout, true);
      request.method = config_.create_method;
      if (config_.create_method == "POST") {
        request.headers.emplace_back("content-type", "application/json");
        request.body = body;
      }
      HttpResult answer = http_.perform(request);
      if (!answer) {
        const HttpError& error = answer.error();
        if (!error.request_sent && error.failure != HttpFailure::Cancelled) {
          last_error = error_from_transport(error, what);
          last_error->code = GatewayErrorCode::Unreachable;
          continue;  // nothing was sent: trying again cannot create a second task
        }
        record.task_outcome_unknown = error.request_sent;
        GatewayError lost = error_from_transport(error, what);
        if (error.request_sent) lost.message += std::string(kMaybeCharged);
        return lost;
      }
      ++record.create_requests;
      const HttpResponse& response = *answer;
      const std::vector<long>& accepted = config_.create_accepted_status;
      if (std::find(accepted.begin(), accepted.end(), response.status) != accepted.end())
        return accept_task(response, what);
      last_error = error_from_response(response, what);
      if (response.status == 429) {
        const std::optional<Millis> asked = retry_after(response);
        if (asked && *asked > timing_.max_retry_after) {
          last_error->message += "; the service asks to wait " +
                                 std::to_string(asked->count() / 1000) + " s, longer than " +
                                 std::to_string(timing_.max_retry_after.count() / 1000) + " s";
          return last_error;
        }
        if (asked) next_wait = *asked;
      } else if (response.status != 503) {
        // A success status the config does not list, or a 5xx: the task may exist.
        if (response.status < 300 || response.status >= 500) {
          record.task_outcome_unknown = true;
          last_error->message += std::string(kMaybeCharged);
        }
        return last_error;
      }
    }
    last_error->message += " (gave up after " + std::to_string(attempts) + " attempts)";
    return last_error;
  }

  std::optional<GatewayError> accept_task(const HttpResponse& response, const std::string& what) {
    const json body = json::parse(text_of(response.body), nullptr, /*allow_exceptions=*/false);
    const json::json_pointer pointer(config_.task_id_pointer);
    std::string id;
    if (body.is_object() && body.contains(pointer)) {
      const json& value = body[pointer];
      if (value.is_string()) id = value.get<std::string>();
      if (value.is_number_integer()) id = value.dump();
    }
    if (id.empty()) {
      outcome_.record.task_outcome_unknown = true;
      return failure(GatewayErrorCode::ServerError,
                     what + ": the answer has no task id at " + config_.task_id_pointer + ": " +
                         service_said(response) + std::string(kMaybeCharged));
    }
    outcome_.record.task_id = std::move(id);
    return std::nullopt;
  }

  // GETs `url` (idempotent), retrying transient failures with back-off; the answer is a
  // 2xx that `accept` took, or the error that ended the retries.
  GatewayResult<HttpResponse> get_with_retries(
      const std::string& url, Millis timeout, bool with_key, const std::string& what,
      const std::function<std::optional<GatewayError>(const HttpResponse&)>& accept) {
    for (int failures = 0;;) {
      if (cancel_.load()) return cancelled();
      HttpRequest request = request_to(url, timeout, with_key);
      request.max_body_bytes = timing_.max_download_bytes;
      HttpResult answer = http_.perform(request);
      std::optional<GatewayError> failed;
      std::optional<Millis> asked;
      if (!answer) {
        if (answer.error().failure == HttpFailure::Cancelled) return cancelled();
        failed = error_from_transport(answer.error(), what);
      } else if (answer->status < 200 || answer->status > 299) {
        if (!transient(*answer)) return error_from_response(*answer, what);
        failed = error_from_response(*answer, what);
        asked = retry_after(*answer);
      } else {
        failed = accept(*answer);
        if (!failed) return std::move(answer).value();
      }
      if (++failures >= std::max(1, timing_.max_attempts)) {
        failed->message += " (gave up after " + std::to_string(failures) + " attempts)";
        return *failed;
      }
      if (std::optional<GatewayError> stopped = pause(
              asked ? std::min(*asked, timing_.max_retry_after) : backoff(failures - 1), what))
        return *stopped;
    }
  }

  enum class State { Pending, Running, Succeeded, Failed };

  std::optional<State> state_of(const std::string& value) const {
    const auto in = [&](const std::vector<std::string>& values) {
      return std::find(values.begin(), values.end(), value) != values.end();
    };
    if (in(config_.pending_values)) return State::Pending;
    if (in(config_.running_values)) return State::Running;
    if (in(config_.succeeded_values)) return State::Succeeded;
    if (in(config_.failed_values)) return State::Failed;
    return std::nullopt;
  }

  // Polls until the task succeeds (its result URL) or fails.
  GatewayResult<std::string> wait_for_result() {
    std::string path = config_.poll_path;
    path.replace(path.find("{{id}}"), 6, outcome_.record.task_id);
    const std::string url = config_.base_url + path;
    const std::string what = "poll (task " + outcome_.record.task_id + ")";
    const json::json_pointer status_at(config_.status_pointer);
    for (;;) {
      json status;
      GatewayResult<HttpResponse> answer = get_with_retries(
          url, timing_.request_timeout, true, what,
          [&](const HttpResponse& response) -> std::optional<GatewayError> {
            status = json::parse(text_of(response.body), nullptr, /*allow_exceptions=*/false);
            if (status.is_object() && status.contains(status_at) && status[status_at].is_string())
              return std::nullopt;
            return failure(GatewayErrorCode::ServerError, what + ": the answer has no status at " +
                                                              config_.status_pointer + ": " +
                                                              service_said(response));
          });
      if (!answer) return answer.error();
      const std::string value = status[status_at].get<std::string>();
      const std::optional<State> state = state_of(value);
      if (!state)
        return failure(GatewayErrorCode::ServerError, what + ": unknown status '" + value + "'");
      if (*state == State::Failed)
        return failure(
            GatewayErrorCode::GenerationFailed,
            "task " + outcome_.record.task_id + " ended " + value + ": " + failure_message(status));
      if (*state == State::Succeeded) {
        const json::json_pointer url_at(config_.result_url_pointer);
        if (!status.contains(url_at) || !status[url_at].is_string() ||
            status[url_at].get<std::string>().empty())
          return failure(GatewayErrorCode::ServerError, what + ": the task " + value +
                                                            " but has no result URL at " +
                                                            config_.result_url_pointer);
        return status[url_at].get<std::string>();
      }
      report_poll_progress(status);
      const Millis interval = jittered(timing_.poll_interval_min, timing_.poll_interval_max);
      if (std::optional<GatewayError> stopped = pause(interval, what)) return *stopped;
    }
  }

  std::string failure_message(const json& status) const {
    if (!config_.error_pointer.empty()) {
      const json::json_pointer at(config_.error_pointer);
      if (status.contains(at) && status[at].is_string() && !status[at].get<std::string>().empty())
        return status[at].get<std::string>();
    }
    return "no reason given";
  }

  void report_poll_progress(const json& status) {
    if (!config_.progress_pointer.empty()) {
      const json::json_pointer at(config_.progress_pointer);
      if (status.contains(at) && status[at].is_number()) {
        const double share = std::clamp(status[at].get<double>() / config_.progress_max, 0.0, 1.0);
        report(0.05 + 0.85 * share);
        return;
      }
    }
    const double waited = std::chrono::duration<double>(Clock::now() - started_).count();
    report(0.05 + 0.8 * waited / (waited + 20.0));
  }

  std::optional<GatewayError> download(const std::string& url) {
    report(0.9);
    const std::string& format = config_.result_format;
    const std::string what = "download of the result";
    if (!fetchable(url))
      return failure(GatewayErrorCode::ServerError,
                     what + ": the result URL is not https:// (or http:// to this machine): " +
                         url.substr(0, kQuotedBodyChars));
    const bool same_origin = origin_of(url) == origin_of(config_.base_url);
    GatewayResult<HttpResponse> answer = get_with_retries(
        url, timing_.download_timeout, same_origin, what,
        [&](const HttpResponse& response) -> std::optional<GatewayError> {
          if (complete_file(response.body, format)) return std::nullopt;
          return failure(GatewayErrorCode::CorruptPayload,
                         what + ": the " + std::to_string(response.body.size()) +
                             " bytes received are not a complete ." + format + " file");
        });
    if (!answer) return answer.error();
    outcome_.result = pipeline::EncodedAsset{std::move(answer->body), format};
    report(1);
    return std::nullopt;
  }

  const HttpModelConfig& config_;
  const HttpModelTiming& timing_;
  const std::string& api_key_;
  const HttpClient& http_;
  const pipeline::ModelRequest& request_;
  const std::atomic<bool>& cancel_;
  const pipeline::RemoteProgress& progress_;
  std::mt19937 random_;
  HttpModelOutcome outcome_;
  Clock::time_point started_ = Clock::now();
  double reported_ = 0;
};

}  // namespace

HttpModelProvider::HttpModelProvider(HttpModelConfig config, const EnvironmentLookup& environment,
                                     PriceTable prices)
    : config_(std::move(config)), prices_(std::move(prices)) {
  if (std::optional<std::string> key = environment(config_.key_env)) api_key_ = *key;
}

HttpModelOutcome HttpModelProvider::run(const pipeline::ModelRequest& request,
                                        const std::atomic<bool>& cancel,
                                        const pipeline::RemoteProgress& progress) const {
  HttpModelOutcome outcome = ModelRun(config_, api_key_, http_, request, cancel, progress).run();
  const HttpModelRecord& record = outcome.record;
  report_task_call({.provider = record.provider,
                    .model = record.model,
                    .billed_by = record.provider,
                    .task_id = record.task_id,
                    .task_outcome_unknown = record.task_outcome_unknown,
                    .create_requests = record.create_requests,
                    .seconds = std::chrono::duration<double>(record.elapsed).count(),
                    .succeeded = outcome.ok()},
                   prices_, request.usage);
  return outcome;
}

Result<pipeline::RemoteAsset> HttpModelProvider::run_model(
    const pipeline::ModelRequest& request, const std::atomic<bool>& cancel,
    const pipeline::RemoteProgress& progress) const {
  HttpModelOutcome outcome = run(request, cancel, progress);
  if (!outcome.ok()) {
    if (outcome.error->code == GatewayErrorCode::Cancelled) return make_error("cancelled");
    return outcome.error->as_error();
  }
  return pipeline::RemoteAsset{std::move(*outcome.result)};
}

Result<std::shared_ptr<const pipeline::RemoteProvider>> load_http_model_provider(
    const std::filesystem::path& file, const EnvironmentLookup& environment, PriceTable prices) {
  Result<HttpModelConfig> config = load_http_model_config(file);
  if (!config) return config.error();
  auto provider = std::make_shared<const HttpModelProvider>(std::move(config).value(), environment,
                                                            std::move(prices));
  pipeline::register_remote_provider(provider);
  return std::shared_ptr<const pipeline::RemoteProvider>(provider);
}

}  // namespace atlas::providers
