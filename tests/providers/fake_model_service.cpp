#include "fake_model_service.h"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <random>

#include "core/base64.h"
#include "core/file_io.h"
#include "fake_http_server.h"

namespace atlas::test {
namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using Request = FakeRequest;
using Response = FakeResponse;
using std::chrono::milliseconds;

constexpr std::string_view kCreatePath = "/openapi/v1/retexture";
constexpr std::string_view kAssetPrefix = "/assets/";
constexpr std::size_t kMaxPromptLength = 600;

struct Task {
  std::string id;
  FakeModelTaskScript script;
  Clock::time_point created;
  long long created_at_ms = 0;  // Meshy's timestamps: milliseconds since the epoch
};

long long epoch_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Response json_response(unsigned status, const nlohmann::json& body) {
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::server, "fake-meshy");
  response.body() = body.dump();
  response.prepare_payload();
  return response;
}

Response message_response(unsigned status, const std::string& message) {
  return json_response(status, {{"message", message}});
}

std::string new_task_id(std::mt19937_64& random) {
  const std::uint64_t high = random(), low = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-7%03x-%04x-%012llx", unsigned(high >> 32),
                unsigned(high >> 16) & 0xffff, unsigned(high) & 0xfff,
                unsigned(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

// Meshy accepts a model as a data URI of these types; the payload must be a GLB.
std::optional<std::string> data_uri_problem(const std::string& uri, bool image) {
  const std::size_t comma = uri.find(',');
  if (!uri.starts_with("data:") || comma == std::string::npos ||
      !std::string_view(uri).substr(0, comma).ends_with(";base64"))
    return std::nullopt;  // a URL: Meshy would fetch it; the fake takes it as is
  const std::string mime = uri.substr(5, uri.find(';') - 5);
  const std::string_view payload = std::string_view(uri).substr(comma + 1);
  Result<Bytes> bytes = base64_decode(
      ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), 1u << 30);
  if (!bytes) return "Invalid data URI";
  if (image)
    return mime == "image/png" || mime == "image/jpeg"
               ? std::nullopt
               : std::optional<std::string>("Unsupported image format");
  if (mime != "application/octet-stream" && mime != "model/gltf-binary")
    return "Unsupported model format";
  if (bytes->size() < 4 ||
      std::string_view(reinterpret_cast<const char*>(bytes->data()), 4) != "glTF")
    return "Unsupported model format";
  return std::nullopt;
}

using Reply = FakeReply;

}  // namespace

FakeModelFault FakeModelFault::answer(int status, std::string json_body,
                                      std::optional<int> retry_after_seconds) {
  return {Kind::Status, status, std::move(json_body), retry_after_seconds};
}
FakeModelFault FakeModelFault::rate_limited(std::optional<int> retry_after_seconds) {
  return answer(429, R"({"message":"Too many requests, please slow down."})", retry_after_seconds);
}
FakeModelFault FakeModelFault::drop() { return {Kind::Drop, 0, {}, {}}; }
FakeModelFault FakeModelFault::create_then_drop() { return {Kind::CreateThenDrop, 0, {}, {}}; }
FakeModelFault FakeModelFault::truncate() { return {Kind::Truncate, 0, {}, {}}; }

class FakeModelService::Server {
 public:
  explicit Server(FakeModelServiceOptions options)
      : options_(std::move(options)),
        random_(std::random_device{}()),
        http_([this](const Request& request) { return handle(request); },
              std::uint64_t{256} << 20) {}

  std::string base_url() const { return http_.base_url(); }
  const std::string& api_key() const { return options_.api_key; }

  void script_next_task(FakeModelTaskScript script) {
    const std::lock_guard lock(mutex_);
    scripts_.push_back(std::move(script));
  }

  void inject(FakeModelEndpoint endpoint, FakeModelFault fault) {
    const std::lock_guard lock(mutex_);
    faults_[endpoint].push_back(std::move(fault));
  }

  int create_requests() const { return create_requests_.load(); }
  int poll_requests() const { return poll_requests_.load(); }
  int download_requests() const { return download_requests_.load(); }
  int tasks_created() const {
    const std::lock_guard lock(mutex_);
    return int(tasks_.size());
  }
  std::vector<std::string> create_bodies() const {
    const std::lock_guard lock(mutex_);
    return create_bodies_;
  }
  std::vector<std::string> download_authorizations() const {
    const std::lock_guard lock(mutex_);
    return download_authorizations_;
  }

 private:
  std::optional<FakeModelFault> next_fault(FakeModelEndpoint endpoint) {
    const std::lock_guard lock(mutex_);
    std::deque<FakeModelFault>& queue = faults_[endpoint];
    if (queue.empty()) return std::nullopt;
    FakeModelFault fault = std::move(queue.front());
    queue.pop_front();
    return fault;
  }

  Reply handle(const Request& request) {
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    std::optional<FakeModelEndpoint> endpoint;
    if (path == kCreatePath && request.method() == http::verb::post) {
      endpoint = FakeModelEndpoint::Create;
      ++create_requests_;
    } else if (path.starts_with(std::string(kCreatePath) + "/") &&
               request.method() == http::verb::get) {
      endpoint = FakeModelEndpoint::Poll;
      ++poll_requests_;
    } else if (path.starts_with(kAssetPrefix) && request.method() == http::verb::get) {
      endpoint = FakeModelEndpoint::Download;
      ++download_requests_;
      const std::lock_guard lock(mutex_);
      download_authorizations_.emplace_back(request[http::field::authorization]);
    }
    if (!endpoint) return {message_response(404, "Not Found")};

    Reply reply;
    if (const std::optional<FakeModelFault> fault = next_fault(*endpoint)) {
      switch (fault->kind) {
        case FakeModelFault::Kind::Status: {
          std::string body = fault->body;
          if (const std::size_t at = body.find("{{authorization}}"); at != std::string::npos)
            body.replace(at, 17, std::string(request[http::field::authorization]));
          Response response{static_cast<http::status>(fault->status), 11};
          response.set(http::field::content_type, "application/json");
          if (fault->retry_after_seconds)
            response.set(http::field::retry_after, std::to_string(*fault->retry_after_seconds));
          response.body() = std::move(body);
          response.prepare_payload();
          return {std::move(response)};
        }
        case FakeModelFault::Kind::Drop:
          return {};
        case FakeModelFault::Kind::CreateThenDrop:
          if (*endpoint == FakeModelEndpoint::Create) create(request);
          return {};
        case FakeModelFault::Kind::Truncate:
          reply.truncate = true;
          break;
      }
    }
    switch (*endpoint) {
      case FakeModelEndpoint::Create:
        reply.response = create(request);
        break;
      case FakeModelEndpoint::Poll:
        reply.response = poll(request, path.substr(kCreatePath.size() + 1));
        break;
      case FakeModelEndpoint::Download:
        reply.response = download(path.substr(kAssetPrefix.size()));
        break;
    }
    return reply;
  }

  bool authorised(const Request& request) const {
    return request[http::field::authorization] == "Bearer " + options_.api_key;
  }

  Response create(const Request& request) {
    if (!authorised(request)) return message_response(401, "Invalid API key.");
    const nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object()) return message_response(400, "Invalid JSON body.");
    const auto text = [&](const char* key) {
      return body.contains(key) && body[key].is_string() ? body[key].get<std::string>()
                                                         : std::string();
    };
    if (text("model_url").empty() && text("input_task_id").empty())
      return message_response(400, "One of model_url or input_task_id is required.");
    if (text("text_style_prompt").empty() && text("image_style_url").empty())
      return message_response(400, "One of text_style_prompt or image_style_url is required.");
    if (text("text_style_prompt").size() > kMaxPromptLength)
      return message_response(400, "text_style_prompt exceeds 600 characters.");
    if (std::optional<std::string> problem = data_uri_problem(text("model_url"), false))
      return message_response(400, *problem);
    if (std::optional<std::string> problem = data_uri_problem(text("image_style_url"), true))
      return message_response(400, *problem);
    if (body.contains("ai_model") && body["ai_model"] != "meshy-4" &&
        body["ai_model"] != "meshy-5" && body["ai_model"] != "latest")
      return message_response(400, "Invalid ai_model.");
    for (const char* flag : {"enable_original_uv", "enable_pbr"})
      if (body.contains(flag) && !body[flag].is_boolean())
        return message_response(400, std::string(flag) + " must be a boolean.");

    const std::lock_guard lock(mutex_);
    Task task;
    task.id = new_task_id(random_);
    if (!scripts_.empty()) {
      task.script = std::move(scripts_.front());
      scripts_.pop_front();
    } else {
      task.script = options_.script;
    }
    task.created = Clock::now();
    task.created_at_ms = epoch_ms();
    const std::string id = task.id;
    tasks_.emplace(id, std::move(task));
    create_bodies_.push_back(request.body());
    return json_response(202, {{"result", id}});
  }

  std::optional<Task> find_task(const std::string& id) const {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end()) return std::nullopt;
    return found->second;
  }

  Response poll(const Request& request, const std::string& id) {
    if (!authorised(request)) return message_response(401, "Invalid API key.");
    const std::optional<Task> task = find_task(id);
    if (!task) return message_response(404, "Task not found.");
    const FakeModelTaskScript& script = task->script;
    const milliseconds elapsed =
        std::chrono::duration_cast<milliseconds>(Clock::now() - task->created);
    nlohmann::json object = {{"id", task->id},
                             {"model_urls", nlohmann::json::object()},
                             {"thumbnail_url", ""},
                             {"text_style_prompt", ""},
                             {"texture_urls", nlohmann::json::array()},
                             {"progress", 0},
                             {"started_at", 0},
                             {"created_at", task->created_at_ms},
                             {"expires_at", 0},
                             {"finished_at", 0},
                             {"status", "PENDING"},
                             {"task_error", {{"message", ""}}}};
    if (elapsed < script.pending_for) return json_response(200, object);
    object["started_at"] = task->created_at_ms + script.pending_for.count();
    object["status"] = "IN_PROGRESS";
    const milliseconds running = elapsed - script.pending_for;
    if (script.never_finishes || running < script.running_for) {
      const long long share =
          script.running_for.count() > 0 ? running.count() * 100 / script.running_for.count() : 0;
      object["progress"] = std::min(99LL, share);
      return json_response(200, object);
    }
    const long long finished = object["started_at"].get<long long>() + script.running_for.count();
    object["finished_at"] = finished;
    if (!script.failure.empty()) {
      object["status"] = "FAILED";
      object["task_error"]["message"] = script.failure;
      return json_response(200, object);
    }
    const std::string asset = base_url() + std::string(kAssetPrefix) + task->id;
    object["status"] = "SUCCEEDED";
    object["progress"] = 100;
    object["expires_at"] = finished + 3LL * 24 * 3600 * 1000;
    object["model_urls"] = {{"glb", asset + "/model.glb"},
                            {"fbx", asset + "/model.fbx"},
                            {"usdz", asset + "/model.usdz"}};
    object["thumbnail_url"] = asset + "/preview.png";
    return json_response(200, object);
  }

  Response download(const std::string& rest) {
    const std::size_t slash = rest.find('/');
    const std::optional<Task> task = find_task(rest.substr(0, slash));
    if (!task || slash == std::string::npos || rest.substr(slash) != "/model.glb")
      return message_response(404, "Not Found");
    Result<Bytes> file = read_file(std::string(ATLAS_TESTDATA_DIR) + "/" + task->script.result);
    if (!file) return message_response(500, "Internal Server Error");
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, "model/gltf-binary");
    response.body().assign(file->begin(), file->end());
    response.prepare_payload();
    return response;
  }

  FakeModelServiceOptions options_;
  mutable std::mutex mutex_;
  std::deque<FakeModelTaskScript> scripts_;
  std::map<FakeModelEndpoint, std::deque<FakeModelFault>> faults_;
  std::map<std::string, Task> tasks_;
  std::vector<std::string> create_bodies_;
  std::vector<std::string> download_authorizations_;
  std::mt19937_64 random_;
  std::atomic<int> create_requests_{0};
  std::atomic<int> poll_requests_{0};
  std::atomic<int> download_requests_{0};
  // Last, so it stops (and no handler runs any more) before the state above is gone.
  FakeHttpServer http_;
};

FakeModelService::FakeModelService(FakeModelServiceOptions options)
    : server_(std::make_unique<Server>(std::move(options))) {}
FakeModelService::~FakeModelService() = default;

std::string FakeModelService::base_url() const { return server_->base_url(); }
const std::string& FakeModelService::api_key() const { return server_->api_key(); }
void FakeModelService::script_next_task(FakeModelTaskScript script) {
  server_->script_next_task(std::move(script));
}
void FakeModelService::inject(FakeModelEndpoint endpoint, FakeModelFault fault) {
  server_->inject(endpoint, std::move(fault));
}
int FakeModelService::create_requests() const { return server_->create_requests(); }
int FakeModelService::tasks_created() const { return server_->tasks_created(); }
int FakeModelService::poll_requests() const { return server_->poll_requests(); }
int FakeModelService::download_requests() const { return server_->download_requests(); }
std::vector<std::string> FakeModelService::create_bodies() const {
  return server_->create_bodies();
}
std::vector<std::string> FakeModelService::download_authorizations() const {
  return server_->download_authorizations();
}

}  // namespace atlas::test
