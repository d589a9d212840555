#include "providers/gateway_client.h"

#include <zip.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <thread>

#include "formats/image_io.h"
#include "providers/http_exchange.h"

namespace atlas::providers {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

constexpr std::size_t kMinPromptLength = 3;
constexpr std::size_t kMaxPromptLength = 384;
constexpr std::string_view kPromptPunctuation = " .,'():;/?!+%-";
constexpr int kMaxImageSide = 1024;
constexpr std::size_t kMaxImageBytes = std::size_t{2} << 20;
constexpr std::size_t kMaxModelParamsBytes = 1024;

GatewayError gateway_error(GatewayErrorCode code, std::string message) {
  return GatewayError{code, std::move(message)};
}

GatewayError bad_request(std::string message) {
  return gateway_error(GatewayErrorCode::BadRequest, std::move(message));
}

bool is_mesh_model(std::string_view model) { return model == "404-mesh" || model == "404-mesh-v2"; }

bool allowed_in_prompt(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         kPromptPunctuation.find(c) != std::string_view::npos;
}

GatewayResult<Ok> check_prompt(const std::string& prompt) {
  if (prompt.size() < kMinPromptLength || prompt.size() > kMaxPromptLength)
    return bad_request("the prompt has " + std::to_string(prompt.size()) +
                       " characters; 404 takes 3 to 384");
  for (std::size_t i = 0; i < prompt.size(); ++i)
    if (!allowed_in_prompt(prompt[i]))
      return bad_request(
          "the prompt's character " + std::to_string(i + 1) +
          " is not allowed; 404 takes only letters, digits, spaces and .,'():;/?!+%-");
  return Ok{};
}

GatewayResult<Ok> check_image(const Bytes& image) {
  const std::string mime = sniff_image_mime_type(image);
  if (mime.empty()) return bad_request("the image is not a PNG, JPEG or WebP file");
  if (image.size() > kMaxImageBytes)
    return bad_request("the image has " + std::to_string(image.size()) +
                       " bytes; 404 takes at most 2 MiB (2097152 bytes)");
  Result<Image> decoded = decode_image(image, 1);
  if (!decoded) return bad_request("the image cannot be decoded: " + decoded.error().message);
  if (decoded->width > kMaxImageSide || decoded->height > kMaxImageSide)
    return bad_request("the image is " + std::to_string(decoded->width) + "x" +
                       std::to_string(decoded->height) + "; 404 takes at most 1024x1024");
  return Ok{};
}

GatewayResult<Ok> check_mesh_v2_params(const nlohmann::json& params) {
  for (const auto& [key, value] : params.items()) {
    if (key == "pipeline_type") {
      if (!value.is_string() ||
          (value != "1024" && value != "1024_cascade" && value != "1536_cascade"))
        return bad_request(
            "model_params.pipeline_type must be \"1024\", \"1024_cascade\" or \"1536_cascade\"");
    } else if (key == "texture_size") {
      if (!value.is_number_integer() || (value != 1024 && value != 2048 && value != 4096))
        return bad_request("model_params.texture_size must be 1024, 2048 or 4096");
    } else if (key == "face_count") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 20000 ||
          value.get<std::int64_t>() > 2000000)
        return bad_request("model_params.face_count must be an integer from 20000 to 2000000");
    } else {
      return bad_request("model_params has the key '" + key +
                         "', which 404-mesh-v2 does not take (pipeline_type, texture_size, "
                         "face_count)");
    }
  }
  return Ok{};
}

GatewayResult<nlohmann::json> parsed_model_params(const TaskRequest& request) {
  if (request.model_params_json.empty()) return nlohmann::json::object();
  nlohmann::json params =
      nlohmann::json::parse(request.model_params_json, nullptr, /*allow_exceptions=*/false);
  if (!params.is_object()) return bad_request("model_params must be a JSON object");
  if (params.dump().size() > kMaxModelParamsBytes)
    return bad_request("model_params has " + std::to_string(params.dump().size()) +
                       " bytes of JSON; 404 takes at most 1024");
  if (request.model == "404-mesh-v2") {
    GatewayResult<Ok> checked = check_mesh_v2_params(params);
    if (!checked) return checked.error();
  }
  return params;
}

std::int32_t wire_seed(std::int64_t seed) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(seed));
}

// What the gateway said, short enough for one line of an error message.
std::string gateway_said(const HttpResponse& response) {
  std::string text(text_of(response.body).substr(0, 300));
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text.empty() ? "(empty body)" : text;
}

GatewayError error_from_response(const HttpResponse& response, std::string_view what) {
  const std::string status = " (HTTP " + std::to_string(response.status) + "): ";
  const std::string prefix = std::string(what) + status;
  switch (response.status) {
    case 400:
      return bad_request(prefix + "the gateway refused the request: " + gateway_said(response));
    case 401:
      return gateway_error(GatewayErrorCode::Unauthorized,
                           prefix + "the API key was refused; check ATLAS_404_API_KEY");
    case 402:
      return gateway_error(GatewayErrorCode::InsufficientBalance,
                           prefix + "the 404 account's balance cannot pay for the task");
    case 404:
      return gateway_error(GatewayErrorCode::NotFound,
                           prefix +
                               "no such task or result (results are kept only 300 s after "
                               "the last one arrives): " +
                               gateway_said(response));
    case 429:
      return gateway_error(GatewayErrorCode::RateLimited,
                           prefix + "rate limited: " + gateway_said(response));
    case 503:
      return gateway_error(GatewayErrorCode::QueueFull,
                           prefix + "the gateway's task queue is full: " + gateway_said(response));
    default:
      return gateway_error(GatewayErrorCode::ServerError,
                           prefix + "unexpected answer: " + gateway_said(response));
  }
}

GatewayError error_from_transport(const HttpError& error, std::string_view what) {
  return transport_error(error, what, "the gateway");
}

bool transient(const HttpResponse& response) {
  return response.status == 429 || response.status >= 500;
}

bool starts_with_bytes(const Bytes& bytes, std::string_view prefix) {
  return text_of(bytes).starts_with(prefix);
}

// Cheap checks that the bytes are the kind of file asked for, so an HTML error page or
// a cut-off body is caught here; the readers validate the rest.
bool looks_like(const Bytes& bytes, std::string_view extension) {
  if (extension == "spz")
    return starts_with_bytes(bytes, "\x1f\x8b") || starts_with_bytes(bytes, "\x28\xb5\x2f\xfd") ||
           starts_with_bytes(bytes, "NGSP");
  if (extension == "ply")
    return starts_with_bytes(bytes, "ply\n") || starts_with_bytes(bytes, "ply\r\n");
  if (extension == "glb") return starts_with_bytes(bytes, "glTF");
  return false;
}

std::string extension_of(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1));
}

// The entries of an all=true ZIP (1.spz, 2.spz, ...), in the order of their numbers.
// The archive must be intact; an entry that is not the expected kind of file is still
// returned, for the chooser to reject with its reason.
Result<std::vector<Candidate>> unzip_candidates(const Bytes& zip_bytes, std::size_t max_bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  if (!source) {
    zip_error_fini(&error);
    return make_error("the ZIP cannot be read");
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    std::string message = std::string("the ZIP is damaged: ") + zip_error_strerror(&error);
    zip_source_free(source);
    zip_error_fini(&error);
    return make_error(std::move(message));
  }
  zip_error_fini(&error);
  struct Discard {
    zip_t* archive;
    ~Discard() { zip_discard(archive); }
  } discard{archive};

  std::vector<Candidate> candidates;
  std::size_t total = 0;
  const zip_int64_t entries = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, zip_uint64_t(i), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE) ||
        !(stat.valid & ZIP_STAT_NAME))
      return make_error("entry " + std::to_string(i + 1) + " of the ZIP is damaged");
    total += stat.size;
    if (total > max_bytes)
      return make_error("the ZIP holds more than " + std::to_string(max_bytes) + " bytes");
    zip_file_t* file = zip_fopen_index(archive, zip_uint64_t(i), 0);
    if (!file)
      return make_error(std::string("entry '") + stat.name + "' of the ZIP cannot be opened");
    Candidate candidate{stat.name, Bytes(stat.size), extension_of(stat.name)};
    const zip_int64_t read = zip_fread(file, candidate.bytes.data(), stat.size);
    zip_fclose(file);
    if (read < 0 || zip_uint64_t(read) != stat.size)
      return make_error(std::string("entry '") + stat.name + "' of the ZIP is damaged");
    candidates.push_back(std::move(candidate));
  }
  if (candidates.empty()) return make_error("the ZIP holds no results");
  const auto number = [](const Candidate& candidate) {
    int value = std::numeric_limits<int>::max();
    std::from_chars(candidate.name.data(), candidate.name.data() + candidate.name.size(), value);
    return value;
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const Candidate& a, const Candidate& b) { return number(a) < number(b); });
  return candidates;
}

// One generation from submission to download. Not shared between threads.
class GenerationRun {
 public:
  GenerationRun(const HttpClient& http, const GatewayConfig& config, const GatewayTiming& timing,
                const GenerationRequest& request, const std::atomic<bool>& cancel,
                const GatewayProgress& progress)
      : http_(http),
        config_(config),
        timing_(timing),
        request_(request),
        cancel_(cancel),
        progress_(progress),
        backoff_(timing_.backoff_base, timing_.backoff_max) {
    generation_.record.model = request.task.model;
  }

  Generation run() {
    if (std::optional<GatewayError> failed = execute()) {
      generation_.candidates.clear();
      generation_.error = redacted(std::move(*failed), config_.api_key);
    }
    generation_.record.elapsed = std::chrono::duration_cast<Millis>(Clock::now() - started_);
    return std::move(generation_);
  }

 private:
  std::optional<GatewayError> execute() {
    if (GatewayResult<Ok> checked = check_task_request(request_.task); !checked)
      return checked.error();
    if (config_.base_urls.empty())
      return gateway_error(GatewayErrorCode::NotConfigured, "no 404 gateway base URL");
    if (config_.api_key.empty())
      return gateway_error(GatewayErrorCode::NotConfigured,
                           "no 404 API key: set ATLAS_404_API_KEY or 404.api_key in the config "
                           "file");
    if (std::optional<GatewayError> failed = submit()) return failed;
    report(0.05);
    GatewayResult<TaskStatus> status = wait_for_results();
    if (!status) return status.error();
    if (std::optional<GatewayError> failed = download()) return failed;
    report(1);
    return std::nullopt;
  }

  void report(double fraction) const {
    if (progress_) progress_(fraction);
  }

  HttpRequest request_to(std::string url, Millis timeout) const {
    HttpRequest request;
    request.url = std::move(url);
    request.headers = {{"x-api-key", config_.api_key}, {"x-client-origin", "api"}};
    request.connect_timeout = timing_.connect_timeout;
    request.timeout = timeout;
    request.cancel = &cancel_;
    return request;
  }

  HttpRequest add_task_request(const std::string& base_url) const {
    HttpRequest request = request_to(base_url + "/add_task", timing_.request_timeout);
    request.method = "POST";
    const TaskRequest& task = request_.task;
    // check_task_request accepted the params, so they parse.
    const nlohmann::json params = *parsed_model_params(task);
    if (task.image.empty()) {
      nlohmann::json body = {{"prompt", task.prompt}, {"model", task.model}};
      if (task.seed) body["seed"] = wire_seed(*task.seed);
      if (!params.empty()) body["model_params"] = params;
      request.headers.emplace_back("content-type", "application/json");
      request.body = body.dump();
      return request;
    }
    const std::string mime = sniff_image_mime_type(task.image);
    const std::string extension = mime == "image/png"    ? "png"
                                  : mime == "image/jpeg" ? "jpg"
                                                         : "webp";
    request.parts.push_back(
        {"image", std::string(text_of(task.image)), "image." + extension, mime});
    request.parts.push_back({"model", task.model, "", ""});
    if (task.seed) request.parts.push_back({"seed", std::to_string(wire_seed(*task.seed)), "", ""});
    if (!params.empty()) request.parts.push_back({"model_params", params.dump(), "", ""});
    return request;
  }

  bool pause(Millis duration) { return wait_unless_cancelled(duration, cancel_); }

  GatewayError cancelled() const { return gateway_error(GatewayErrorCode::Cancelled, "cancelled"); }

  // The rules are documented at GatewayClient::generate.
  std::optional<GatewayError> submit() {
    GenerationRecord& record = generation_.record;
    std::optional<GatewayError> last_error;
    std::size_t first_url = 0;
    const int attempts = std::max(1, timing_.max_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0 && !pause(next_wait_)) return cancelled();
      next_wait_ = backoff_.after(attempt);
      for (std::size_t i = first_url; i < config_.base_urls.size(); ++i) {
        const std::string& base_url = config_.base_urls[i];
        if (cancel_.load()) return cancelled();
        HttpResult answer = http_.perform(add_task_request(base_url));
        if (!answer) {
          const HttpError& error = answer.error();
          if (!error.request_sent && error.failure != HttpFailure::Cancelled) {
            last_error = error_from_transport(error, "add_task at " + base_url);
            if (last_error->code == GatewayErrorCode::Timeout)
              last_error->code = GatewayErrorCode::Unreachable;
            continue;  // this region is unreachable: nothing was sent, try the next
          }
          record.task_outcome_unknown = error.request_sent;
          GatewayError lost = error_from_transport(error, "add_task at " + base_url);
          if (error.request_sent)
            lost.message +=
                "; the task may have been created and charged, so it was not sent "
                "again (a second task would be paid twice)";
          return lost;
        }
        ++record.add_task_requests;
        const HttpResponse& response = *answer;
        if (response.status == 200) return accept_task(response, base_url);
        last_error = error_from_response(response, "add_task at " + base_url);
        if (response.status == 429) {
          const std::optional<Millis> asked = retry_after(response);
          if (asked && *asked > timing_.max_retry_after) {
            last_error->message += "; the gateway asks to wait " +
                                   std::to_string(asked->count() / 1000) + " s, longer than " +
                                   std::to_string(timing_.max_retry_after.count() / 1000) + " s";
            return last_error;
          }
          if (asked) next_wait_ = *asked;
        } else if (response.status != 503) {
          if (response.status >= 500) {
            record.task_outcome_unknown = true;
            last_error->message +=
                "; the task may have been created and charged, so it was not "
                "sent again";
          }
          return last_error;
        }
        first_url = i;  // the region answered: retry there after waiting
        break;
      }
    }
    last_error->message += " (gave up after " + std::to_string(attempts) + " attempts)";
    return last_error;
  }

  std::optional<GatewayError> accept_task(const HttpResponse& response,
                                          const std::string& base_url) {
    const nlohmann::json body =
        nlohmann::json::parse(text_of(response.body), nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("id") || !body["id"].is_string() ||
        body["id"].get<std::string>().empty()) {
      generation_.record.task_outcome_unknown = true;
      return gateway_error(GatewayErrorCode::ServerError,
                           "add_task at " + base_url +
                               ": the answer has no task id: " + gateway_said(response) +
                               "; the task may have been created and charged, so it was not sent "
                               "again");
    }
    generation_.record.task_id = body["id"].get<std::string>();
    generation_.record.base_url = base_url;
    submitted_ = Clock::now();
    return std::nullopt;
  }

  // GETs `url` (free and idempotent), retrying transient failures with back-off; the
  // answer is a 200 that `accept` took, or the error that ended the retries.
  GatewayResult<HttpResponse> get_with_retries(
      const std::string& url, Millis timeout, std::string_view what,
      const std::function<std::optional<GatewayError>(const HttpResponse&)>& accept) {
    for (int failures = 0;;) {
      if (cancel_.load()) return cancelled();
      HttpRequest request = request_to(url, timeout);
      request.max_body_bytes = timing_.max_download_bytes;
      HttpResult answer = http_.perform(request);
      std::optional<GatewayError> failed;
      std::optional<Millis> asked;
      if (!answer) {
        if (answer.error().failure == HttpFailure::Cancelled) return cancelled();
        failed = error_from_transport(answer.error(), what);
      } else if (answer->status != 200) {
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
      if (!pause(asked ? std::min(*asked, timing_.max_retry_after) : backoff_.after(failures - 1)))
        return cancelled();
    }
  }

  GatewayResult<TaskStatus> poll_status() {
    GatewayResult<TaskStatus> parsed = gateway_error(GatewayErrorCode::ServerError, "");
    GatewayResult<HttpResponse> answer = get_with_retries(
        generation_.record.base_url + "/get_status?id=" + generation_.record.task_id,
        timing_.request_timeout, "get_status", [&](const HttpResponse& response) {
          parsed = parse_task_status(text_of(response.body));
          return parsed ? std::nullopt : std::optional<GatewayError>(parsed.error());
        });
    if (!answer) return answer.error();
    return parsed;
  }

  // Polls until the results asked for exist; the last status seen.
  GatewayResult<TaskStatus> wait_for_results() {
    const bool all = request_.candidates == CandidateMode::All;
    const Clock::time_point deadline = submitted_ + timing_.task_deadline;
    int results_seen = 0;
    for (;;) {
      GatewayResult<TaskStatus> status = poll_status();
      if (!status) return status.error();
      const Clock::time_point now = Clock::now();
      GenerationRecord& record = generation_.record;
      record.results_reported = std::max(record.results_reported, status->results);
      if (status->results > results_seen) {
        results_seen = status->results;
        last_result_ = now;
      }
      switch (status->state) {
        case TaskStatus::State::Failure:
          return gateway_error(GatewayErrorCode::GenerationFailed,
                               "task " + record.task_id + " failed: " +
                                   (status->reason.empty() ? "no reason given" : status->reason));
        case TaskStatus::State::Success:
          record.worker_id = status->worker_id;
          return status;
        case TaskStatus::State::PartialResult:
          if (!all) return status;
          if (now - last_result_ >= timing_.result_lifetime - timing_.lifetime_margin)
            return status;  // waiting longer could lose the results that exist
          break;
        case TaskStatus::State::NoResult:
        case TaskStatus::State::InProgress:
          break;
      }
      if (now >= deadline) {
        if (results_seen > 0) return status;
        return gateway_error(GatewayErrorCode::Timeout,
                             "task " + record.task_id + " has no result after " +
                                 std::to_string(timing_.task_deadline.count() / 1000) +
                                 " s, the gateway's deadline");
      }
      const double waited = std::chrono::duration<double>(now - submitted_).count();
      report(0.05 + 0.8 * waited / (waited + 20.0));
      const Millis interval =
          backoff_.between(timing_.poll_interval_min, timing_.poll_interval_max);
      if (!pause(std::min(interval, std::chrono::duration_cast<Millis>(deadline - now))))
        return cancelled();
    }
  }

  std::string expected_extension() const {
    if (is_mesh_model(request_.task.model)) return "glb";
    return request_.splat_encoding == SplatEncoding::Ply ? "ply" : "spz";
  }

  std::optional<GatewayError> download() {
    report(0.9);
    const bool all = request_.candidates == CandidateMode::All;
    const std::string extension = expected_extension();
    std::string url = generation_.record.base_url + "/get_result?id=" + generation_.record.task_id;
    if (extension == "ply") url += "&compress=0";
    if (all) url += "&all=true";
    const std::string what = all ? "get_result (all)" : "get_result";
    std::vector<Candidate> candidates;
    GatewayResult<HttpResponse> answer = get_with_retries(
        url, timing_.download_timeout, what,
        [&](const HttpResponse& response) -> std::optional<GatewayError> {
          if (all) {
            Result<std::vector<Candidate>> unzipped =
                unzip_candidates(response.body, timing_.max_download_bytes);
            if (!unzipped)
              return gateway_error(GatewayErrorCode::CorruptPayload,
                                   what + ": " + unzipped.error().message);
            candidates = std::move(unzipped).value();
            return std::nullopt;
          }
          if (!looks_like(response.body, extension))
            return gateway_error(GatewayErrorCode::CorruptPayload,
                                 what + ": the " + std::to_string(response.body.size()) +
                                     " bytes received are not a ." + extension + " file");
          candidates = {Candidate{"result." + extension, response.body, extension}};
          return std::nullopt;
        });
    if (!answer) return answer.error();
    GenerationRecord& record = generation_.record;
    record.candidates_downloaded = int(candidates.size());
    // Success does not say how many results there were; the ZIP does.
    record.results_reported = std::max(record.results_reported, record.candidates_downloaded);
    generation_.candidates = std::move(candidates);
    return std::nullopt;
  }

  const HttpClient& http_;
  const GatewayConfig& config_;
  const GatewayTiming& timing_;
  const GenerationRequest& request_;
  const std::atomic<bool>& cancel_;
  const GatewayProgress& progress_;
  JitteredBackoff backoff_;
  Generation generation_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point submitted_ = started_;
  Clock::time_point last_result_ = started_;
  Millis next_wait_{0};
};

}  // namespace

GatewayResult<Ok> check_task_request(const TaskRequest& request) {
  const std::string& model = request.model;
  if (model != "404-3dgs" && !is_mesh_model(model))
    return bad_request("unknown model '" + model + "'; 404 has 404-3dgs, 404-mesh and 404-mesh-v2");
  const bool has_prompt = !request.prompt.empty();
  const bool has_image = !request.image.empty();
  if (has_prompt == has_image)
    return bad_request(has_prompt ? "give a prompt or an image, not both"
                                  : "give a prompt or an image");
  if (has_prompt && is_mesh_model(model))
    return bad_request(model + " generates from an image only; use 404-3dgs for a prompt");
  if (has_prompt) {
    if (GatewayResult<Ok> checked = check_prompt(request.prompt); !checked) return checked;
  } else if (GatewayResult<Ok> checked = check_image(request.image); !checked) {
    return checked;
  }
  if (request.seed && (*request.seed < std::numeric_limits<std::int32_t>::min() ||
                       *request.seed > std::numeric_limits<std::uint32_t>::max()))
    return bad_request("the seed " + std::to_string(*request.seed) +
                       " does not fit in 32 bits (-2147483648 to 4294967295)");
  GatewayResult<nlohmann::json> params = parsed_model_params(request);
  if (!params) return params.error();
  return Ok{};
}

GatewayResult<TaskStatus> parse_task_status(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto unexpected = [&] {
    return gateway_error(GatewayErrorCode::ServerError,
                         "get_status: unexpected answer: " + std::string(body.substr(0, 300)));
  };
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string())
    return unexpected();
  const std::string state = json["status"].get<std::string>();
  const auto text_field = [&](const char* name) {
    return json.contains(name) && json[name].is_string() ? json[name].get<std::string>()
                                                         : std::string();
  };
  TaskStatus status;
  if (state == "NoResult") {
    status.state = TaskStatus::State::NoResult;
  } else if (state == "InProgress") {
    status.state = TaskStatus::State::InProgress;
  } else if (state == "Success") {
    status.state = TaskStatus::State::Success;
    status.results = 1;
    status.worker_id = text_field("worker_id");
  } else if (state == "Failure") {
    status.state = TaskStatus::State::Failure;
    status.reason = text_field("reason");
  } else if (state.starts_with("PartialResult(") && state.ends_with(")")) {
    const std::string_view digits = std::string_view(state).substr(14, state.size() - 15);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), status.results);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        status.results < 0)
      return unexpected();
    status.state = TaskStatus::State::PartialResult;
  } else {
    return unexpected();
  }
  return status;
}

GatewayClient::GatewayClient(GatewayConfig config, GatewayTiming timing)
    : config_(std::move(config)), timing_(timing) {}

Generation GatewayClient::generate(const GenerationRequest& request,
                                   const std::atomic<bool>& cancel,
                                   const GatewayProgress& progress) const {
  return GenerationRun(http_, config_, timing_, request, cancel, progress).run();
}

}  // namespace atlas::providers
