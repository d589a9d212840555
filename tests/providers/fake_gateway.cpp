#include "fake_gateway.h"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <climits>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>

#include "core/compression.h"
#include "core/file_io.h"
#include "fake_http_server.h"
#include "formats/image_io.h"
#include "formats/splat_formats.h"
#include "formats/zip_store.h"

namespace atlas::test {
namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using Request = FakeRequest;
using Response = FakeResponse;

std::string testdata_path(const std::string& relative) {
  return std::string(ATLAS_TESTDATA_DIR) + "/" + relative;
}

// The real files, read and converted once a process: encoding the hamburger's SPZ
// takes longer than a whole fake generation.
class ResultFiles {
 public:
  static ResultFiles& instance() {
    static ResultFiles files;
    return files;
  }

  // 404's formats of a splat file: "spz" (zstd SPZ v2) or "ply". Empty if unreadable.
  std::string splat(const std::string& relative, const std::string& format) {
    const std::lock_guard lock(mutex_);
    const std::string key = relative + "|" + format;
    if (auto found = cache_.find(key); found != cache_.end()) return found->second;
    std::string bytes;
    if (Result<Bytes> file = read_file(testdata_path(relative)); file) {
      const bool is_spz = lower_extension(relative) == "spz";
      if ((format == "spz") == is_spz) {
        bytes.assign(file->begin(), file->end());
      } else {
        Result<SplatCloud> cloud = is_spz ? decode_spz(*file) : decode_ply_splats(*file);
        if (cloud) {
          const Bytes converted = format == "spz" ? encode_spz(*cloud, 2, Compression::Zstd)
                                                  : encode_ply_splats(*cloud);
          bytes.assign(converted.begin(), converted.end());
        }
      }
    }
    return cache_[key] = bytes;
  }

  // Builds (once) the bytes `make` returns under `key`.
  std::string cached(const std::string& key, const std::function<std::string()>& make) {
    {
      const std::lock_guard lock(mutex_);
      if (auto found = cache_.find(key); found != cache_.end()) return found->second;
    }
    std::string bytes = make();
    const std::lock_guard lock(mutex_);
    return cache_[key] = std::move(bytes);
  }

  std::string file(const std::string& relative) {
    const std::lock_guard lock(mutex_);
    if (auto found = cache_.find(relative); found != cache_.end()) return found->second;
    Result<Bytes> file = read_file(testdata_path(relative));
    return cache_[relative] = file ? std::string(file->begin(), file->end()) : std::string();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> cache_;
};

struct Task {
  std::string id;
  std::string model;
  FakeTaskScript script;
  Clock::time_point created;
};

struct Part {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string data;
};

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A parameter of a header value: name="value" or name=value.
std::string header_parameter(std::string_view header, std::string_view name) {
  const std::string key = std::string(name) + "=";
  std::size_t at = 0;
  while ((at = header.find(key, at)) != std::string_view::npos) {
    if (at == 0 || header[at - 1] == ' ' || header[at - 1] == ';') break;
    at += key.size();
  }
  if (at == std::string_view::npos) return {};
  std::string_view value = header.substr(at + key.size());
  if (value.starts_with('"')) {
    value.remove_prefix(1);
    return std::string(value.substr(0, value.find('"')));
  }
  return std::string(trimmed(value.substr(0, value.find(';'))));
}

// multipart/form-data as RFC 7578 has it; nullopt when malformed.
std::optional<std::vector<Part>> parse_multipart(const std::string& body,
                                                 const std::string& boundary) {
  if (boundary.empty()) return std::nullopt;
  const std::string delimiter = "--" + boundary;
  std::vector<Part> parts;
  std::size_t at = body.find(delimiter);
  if (at == std::string::npos) return std::nullopt;
  for (;;) {
    at += delimiter.size();
    if (body.compare(at, 2, "--") == 0) return parts;
    if (body.compare(at, 2, "\r\n") != 0) return std::nullopt;
    at += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string::npos) return std::nullopt;
    Part part;
    std::string_view headers(body.data() + at, headers_end - at);
    while (!headers.empty()) {
      const std::size_t line_end = headers.find("\r\n");
      const std::string_view line = headers.substr(0, line_end);
      headers =
          line_end == std::string_view::npos ? std::string_view() : headers.substr(line_end + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(line.substr(0, colon));
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      const std::string_view value = trimmed(line.substr(colon + 1));
      if (name == "content-disposition") {
        part.name = header_parameter(value, "name");
        part.filename = header_parameter(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    const std::size_t data_start = headers_end + 4;
    const std::size_t data_end = body.find("\r\n" + delimiter, data_start);
    if (data_end == std::string::npos) return std::nullopt;
    part.data = body.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    at = data_end + 2;
  }
}

bool prompt_allowed(const std::string& prompt) {
  if (prompt.size() < 3 || prompt.size() > 384) return false;
  for (char c : prompt) {
    const bool letter_or_digit =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!letter_or_digit && std::string_view(" .,'():;/?!+%-").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

// The gateway's own checks of model_params: nullopt when fine, else the 400 text.
std::optional<std::string> model_params_problem(const std::string& model, const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.size() > 1024) return "model_params exceeds 1024 bytes";
  const nlohmann::json params = nlohmann::json::parse(text, nullptr, false);
  if (!params.is_object()) return "model_params must be a JSON object";
  if (model != "404-mesh-v2") return std::nullopt;
  for (const auto& [key, value] : params.items()) {
    if (key == "pipeline_type" && value.is_string() &&
        (value == "1024" || value == "1024_cascade" || value == "1536_cascade"))
      continue;
    if (key == "texture_size" && value.is_number_integer() &&
        (value == 1024 || value == 2048 || value == 4096))
      continue;
    if (key == "face_count" && value.is_number_integer() && value.get<long long>() >= 20000 &&
        value.get<long long>() <= 2000000)
      continue;
    return "Invalid model_params." + key;
  }
  return std::nullopt;
}

Response text_response(unsigned status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8") {
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, content_type);
  response.set(http::field::server, "fake-404-gateway");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response json_response(unsigned status, const nlohmann::json& body) {
  return text_response(status, body.dump(), "application/json");
}

std::string new_uuid(std::mt19937_64& random) {
  const std::uint64_t high = random(), low = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", unsigned(high >> 32),
                unsigned(high >> 16) & 0xffff, unsigned(high) & 0xfff,
                unsigned(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> query;
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return query;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    const std::size_t equals = item.find('=');
    query[std::string(item.substr(0, equals))] =
        equals == std::string_view::npos ? "" : std::string(item.substr(equals + 1));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return query;
}

using Reply = FakeReply;

}  // namespace

FakeFault FakeFault::insufficient_balance() {
  return {Kind::Status, 402, R"({"error":"insufficient_balance"})", "application/json", {}, {}};
}
FakeFault FakeFault::rate_limited(std::optional<int> retry_after_seconds) {
  return {Kind::Status,
          429,
          R"({"error":"concurrent_limit","message":"Too many concurrent tasks for this key"})",
          "application/json",
          retry_after_seconds,
          {}};
}
FakeFault FakeFault::queue_full() { return answer(503, "Task queue is full"); }
FakeFault FakeFault::answer(int status, std::string body) {
  return {Kind::Status, status, std::move(body), "text/plain; charset=utf-8", {}, {}};
}
FakeFault FakeFault::drop() { return {Kind::DropBeforeAnswer, 0, {}, {}, {}, {}}; }
FakeFault FakeFault::create_then_drop() { return {Kind::CreateThenDrop, 0, {}, {}, {}, {}}; }
FakeFault FakeFault::truncate() { return {Kind::TruncateBody, 0, {}, {}, {}, {}}; }
FakeFault FakeFault::slow(milliseconds delay) { return {Kind::Delay, 0, {}, {}, {}, delay}; }

class FakeGateway::Server {
 public:
  explicit Server(FakeGatewayOptions options)
      : options_(std::move(options)),
        random_(std::random_device{}()),
        http_([this](const Request& request) { return handle(request); }, std::uint64_t{64} << 20) {
  }

  std::string base_url() const { return http_.base_url(); }
  const std::string& api_key() const { return options_.api_key; }

  void script_next_task(FakeTaskScript script) {
    const std::lock_guard lock(mutex_);
    scripts_.push_back(std::move(script));
  }

  void inject(FakeEndpoint endpoint, FakeFault fault) {
    const std::lock_guard lock(mutex_);
    faults_[endpoint].push_back(std::move(fault));
  }

  int add_task_requests() const { return add_task_requests_.load(); }
  int status_requests() const { return status_requests_.load(); }
  int result_requests() const { return result_requests_.load(); }
  int connections_accepted() const { return http_.connections_accepted(); }
  int tasks_created() const {
    const std::lock_guard lock(mutex_);
    return int(tasks_.size());
  }
  std::vector<FakeAddTask> add_tasks() const {
    const std::lock_guard lock(mutex_);
    return created_;
  }

 private:
  std::optional<FakeFault> next_fault(FakeEndpoint endpoint) {
    const std::lock_guard lock(mutex_);
    std::deque<FakeFault>& queue = faults_[endpoint];
    if (queue.empty()) return std::nullopt;
    FakeFault fault = std::move(queue.front());
    queue.pop_front();
    return fault;
  }

  Reply handle(const Request& request) {
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    std::optional<FakeEndpoint> endpoint;
    if (path == "/add_task" && request.method() == http::verb::post)
      endpoint = FakeEndpoint::AddTask;
    else if (path == "/get_status" && request.method() == http::verb::get)
      endpoint = FakeEndpoint::GetStatus;
    else if (path == "/get_result" && request.method() == http::verb::get)
      endpoint = FakeEndpoint::GetResult;
    if (!endpoint) return {text_response(404, "Not Found")};

    switch (*endpoint) {
      case FakeEndpoint::AddTask:
        ++add_task_requests_;
        break;
      case FakeEndpoint::GetStatus:
        ++status_requests_;
        break;
      case FakeEndpoint::GetResult:
        ++result_requests_;
        break;
    }
    Reply reply;
    const std::optional<FakeFault> fault = next_fault(*endpoint);
    if (fault) {
      switch (fault->kind) {
        case FakeFault::Kind::Status: {
          Response response =
              text_response(unsigned(fault->status), fault->body, fault->content_type);
          if (fault->retry_after_seconds)
            response.set(http::field::retry_after, std::to_string(*fault->retry_after_seconds));
          return {std::move(response)};
        }
        case FakeFault::Kind::DropBeforeAnswer:
          return {};
        case FakeFault::Kind::CreateThenDrop:
          if (*endpoint == FakeEndpoint::AddTask) add_task(request);
          return {};
        case FakeFault::Kind::TruncateBody:
          reply.truncate = true;
          break;
        case FakeFault::Kind::Delay:
          // Before answering, so the answer is what the gateway would say by then.
          if (!http_.sleep(fault->delay)) return {};
          break;
      }
    }
    switch (*endpoint) {
      case FakeEndpoint::AddTask:
        reply.response = add_task(request);
        break;
      case FakeEndpoint::GetStatus:
        reply.response = get_status(target);
        break;
      case FakeEndpoint::GetResult:
        reply.response = get_result(request, target);
        break;
    }
    return reply;
  }

  bool authorised(const Request& request) const {
    const auto key = request.find("x-api-key");
    return key != request.end() && key->value() == options_.api_key;
  }

  Response add_task(const Request& request) {
    if (!authorised(request)) return text_response(401, "Invalid API key");
    FakeAddTask parsed;
    const std::string content_type(request[http::field::content_type]);
    if (const auto origin = request.find("x-client-origin"); origin != request.end())
      parsed.client_origin = std::string(origin->value());
    std::string image;
    if (content_type.starts_with("application/json")) {
      parsed.content_type = "application/json";
      const nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
      if (!body.is_object()) return text_response(400, "Invalid JSON body");
      if (body.contains("prompt")) {
        if (!body["prompt"].is_string()) return text_response(400, "prompt must be a string");
        parsed.prompt = body["prompt"].get<std::string>();
      }
      if (body.contains("model")) {
        if (!body["model"].is_string()) return text_response(400, "model must be a string");
        parsed.model = body["model"].get<std::string>();
      }
      if (body.contains("seed")) {
        if (!body["seed"].is_number_integer()) return text_response(400, "seed must be an integer");
        parsed.seed = body["seed"].get<long long>();
      }
      if (body.contains("model_params")) parsed.model_params = body["model_params"].dump();
    } else if (content_type.starts_with("multipart/form-data")) {
      parsed.content_type = "multipart/form-data";
      const std::optional<std::vector<Part>> parts =
          parse_multipart(request.body(), header_parameter(content_type, "boundary"));
      if (!parts) return text_response(400, "Invalid multipart body");
      for (const Part& part : *parts) {
        if (part.name == "prompt") {
          parsed.prompt = part.data;
        } else if (part.name == "image") {
          image = part.data;
          parsed.image_bytes = part.data.size();
          parsed.image_content_type = part.content_type;
        } else if (part.name == "model") {
          parsed.model = part.data;
        } else if (part.name == "seed") {
          try {
            parsed.seed = std::stoll(part.data);
          } catch (const std::exception&) {
            return text_response(400, "seed must be an integer");
          }
        } else if (part.name == "model_params") {
          parsed.model_params = part.data;
        }
      }
    } else {
      return text_response(400, "Unsupported content type");
    }

    if (parsed.prompt.empty() == (parsed.image_bytes == 0))
      return text_response(400, "Exactly one of prompt or image must be provided");
    if (parsed.model.empty()) parsed.model = "404-3dgs";
    if (parsed.model != "404-3dgs" && parsed.model != "404-mesh" && parsed.model != "404-mesh-v2")
      return text_response(400, "Unknown model: " + parsed.model);
    if (parsed.model != "404-3dgs" && parsed.image_bytes == 0)
      return text_response(400, parsed.model + " requires an image");
    if (!parsed.prompt.empty() && !prompt_allowed(parsed.prompt))
      return text_response(400, "Invalid prompt");
    if (parsed.image_bytes > 0) {
      const ByteView bytes(reinterpret_cast<const std::uint8_t*>(image.data()), image.size());
      if (sniff_image_mime_type(bytes).empty())
        return text_response(400, "Unsupported image format");
      if (image.size() > (std::size_t{2} << 20)) return text_response(400, "Image too large");
      Result<Image> decoded = decode_image(bytes, 1);
      if (!decoded || decoded->width > 1024 || decoded->height > 1024)
        return text_response(400, "Image dimensions exceed 1024x1024");
    }
    if (parsed.seed && (*parsed.seed < INT32_MIN || *parsed.seed > INT32_MAX))
      return text_response(400, "seed out of range");
    if (std::optional<std::string> problem =
            model_params_problem(parsed.model, parsed.model_params))
      return text_response(400, *problem);

    const std::lock_guard lock(mutex_);
    Task task;
    task.id = new_uuid(random_);
    task.model = parsed.model;
    if (!scripts_.empty()) {
      task.script = std::move(scripts_.front());
      scripts_.pop_front();
    } else {
      task.script = options_.script;
    }
    task.created = Clock::now();
    const std::string id = task.id;
    tasks_.emplace(id, std::move(task));
    created_.push_back(std::move(parsed));
    return json_response(200, {{"id", id}});
  }

  std::optional<Task> find_task(const std::string& id) const {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end()) return std::nullopt;
    return found->second;
  }

  // The workers that have succeeded by now, in the order they answered.
  static std::vector<std::size_t> arrived(const Task& task, milliseconds elapsed) {
    std::vector<std::size_t> workers;
    for (std::size_t i = 0; i < task.script.workers.size(); ++i)
      if (task.script.workers[i].failure.empty() && task.script.workers[i].answers_after <= elapsed)
        workers.push_back(i);
    std::stable_sort(workers.begin(), workers.end(), [&](std::size_t a, std::size_t b) {
      return task.script.workers[a].answers_after < task.script.workers[b].answers_after;
    });
    return workers;
  }

  static milliseconds elapsed_since(const Task& task) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - task.created);
  }

  Response get_status(std::string_view target) {
    const std::optional<Task> task = find_task(query_of(target)["id"]);
    if (!task) return text_response(404, "Task not found");
    const milliseconds elapsed = elapsed_since(*task);
    const std::vector<std::size_t> successes = arrived(*task, elapsed);
    std::size_t finished = 0;
    std::string reason;
    for (const FakeWorker& worker : task->script.workers) {
      if (worker.answers_after > elapsed) continue;
      ++finished;
      if (!worker.failure.empty()) reason = worker.failure;
    }
    if (finished == task->script.workers.size()) {
      if (!successes.empty())
        return json_response(200, {{"status", "Success"},
                                   {"worker_id", "worker-" + std::to_string(successes[0] + 1)}});
      return json_response(200, {{"status", "Failure"}, {"reason", reason}});
    }
    if (!successes.empty())
      return json_response(200,
                           {{"status", "PartialResult(" + std::to_string(successes.size()) + ")"}});
    return json_response(
        200, {{"status", elapsed >= task->script.in_progress_after ? "InProgress" : "NoResult"}});
  }

  std::string result_bytes(const Task& task, const FakeWorker& worker, const std::string& format) {
    std::string bytes = task.model == "404-3dgs"
                            ? ResultFiles::instance().splat(worker.splat, format)
                            : ResultFiles::instance().file(worker.mesh);
    if (worker.truncated) bytes.resize(bytes.size() / 2);
    return bytes;
  }

  Response get_result(const Request& request, std::string_view target) {
    if (!authorised(request)) return text_response(401, "Invalid API key");
    std::map<std::string, std::string> query = query_of(target);
    const std::optional<Task> task = find_task(query["id"]);
    if (!task) return text_response(404, "Task not found");
    const milliseconds elapsed = elapsed_since(*task);
    const std::vector<std::size_t> successes = arrived(*task, elapsed);
    std::string reason = "none";
    for (const FakeWorker& worker : task->script.workers)
      if (!worker.failure.empty() && worker.answers_after <= elapsed) reason = worker.failure;
    const auto no_results = [&] {
      return text_response(
          404, "No successful results for task " + task->id + ". Failure reason: " + reason);
    };
    if (successes.empty()) return no_results();
    const milliseconds last_arrival = task->script.workers[successes.back()].answers_after;
    if (elapsed > last_arrival + options_.result_lifetime) return no_results();

    const bool splats = task->model == "404-3dgs";
    const std::string format = !splats ? "glb" : query["compress"] == "0" ? "ply" : "spz";
    if (query["all"] == "true") {
      // The same results make the same ZIP: built once, as the benchmark asks for it often.
      std::string key = "zip|" + task->model + "|" + format;
      for (std::size_t worker : successes) {
        const FakeWorker& answer = task->script.workers[worker];
        key += "|" + answer.splat + "|" + answer.mesh + (answer.truncated ? "|cut" : "");
      }
      const std::string zip = ResultFiles::instance().cached(key, [&] {
        std::vector<OutputFile> files;
        for (std::size_t i = 0; i < successes.size(); ++i) {
          const std::string bytes = result_bytes(*task, task->script.workers[successes[i]], format);
          files.push_back(
              {std::to_string(i + 1) + "." + format, Bytes(bytes.begin(), bytes.end())});
        }
        Result<Bytes> built = build_stored_zip(files, 1);
        return built ? std::string(built->begin(), built->end()) : std::string();
      });
      if (zip.empty()) return text_response(500, "Internal Server Error");
      Response response = text_response(200, zip, "application/zip");
      response.set(http::field::content_disposition, "attachment; filename=\"results.zip\"");
      return response;
    }
    Response response =
        text_response(200, result_bytes(*task, task->script.workers[successes[0]], format),
                      format == "glb" ? "model/gltf-binary" : "application/octet-stream");
    response.set(http::field::content_disposition,
                 "attachment; filename=\"result." + format + "\"");
    return response;
  }

  FakeGatewayOptions options_;
  mutable std::mutex mutex_;
  std::deque<FakeTaskScript> scripts_;
  std::map<FakeEndpoint, std::deque<FakeFault>> faults_;
  std::map<std::string, Task> tasks_;
  std::vector<FakeAddTask> created_;
  std::mt19937_64 random_;
  std::atomic<int> add_task_requests_{0};
  std::atomic<int> status_requests_{0};
  std::atomic<int> result_requests_{0};
  // Last, so it stops (and no handler runs any more) before the state above is gone.
  FakeHttpServer http_;
};

FakeGateway::FakeGateway(FakeGatewayOptions options)
    : server_(std::make_unique<Server>(std::move(options))) {}
FakeGateway::~FakeGateway() = default;

std::string FakeGateway::base_url() const { return server_->base_url(); }
const std::string& FakeGateway::api_key() const { return server_->api_key(); }
void FakeGateway::script_next_task(FakeTaskScript script) {
  server_->script_next_task(std::move(script));
}
void FakeGateway::inject(FakeEndpoint endpoint, FakeFault fault) {
  server_->inject(endpoint, std::move(fault));
}
int FakeGateway::add_task_requests() const { return server_->add_task_requests(); }
int FakeGateway::tasks_created() const { return server_->tasks_created(); }
int FakeGateway::status_requests() const { return server_->status_requests(); }
int FakeGateway::result_requests() const { return server_->result_requests(); }
int FakeGateway::connections_accepted() const { return server_->connections_accepted(); }
std::vector<FakeAddTask> FakeGateway::add_tasks() const { return server_->add_tasks(); }

}  // namespace atlas::test
