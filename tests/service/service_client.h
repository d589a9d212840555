#pragma once
// What the service tests share: an HTTP client (libcurl) and an in-process service on
// loopback (store, artifacts, workers, API and server, as `atlas serve` puts them
// together), and the cheap pipelines they submit.

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/file_io.h"
#include "service/api.h"
#include "service/api_keys.h"
#include "service/artifact_store.h"
#include "service/http_server.h"
#include "service/job_worker.h"
#include "service/sqlite_job_store.h"
#include "test_support.h"

namespace atlas::test {

using Json = nlohmann::json;

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-case

  Json json() const { return Json::parse(body, nullptr, false); }
};

inline HttpResult http(const std::string& method, const std::string& url,
                       const std::vector<std::string>& headers = {}, const std::string& body = {}) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
  }
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  using Callback = size_t (*)(char*, size_t, size_t, void*);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   static_cast<Callback>([](char* data, size_t size, size_t count, void* out) {
                     static_cast<std::string*>(out)->append(data, size * count);
                     return size * count;
                   }));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION,
                   static_cast<Callback>([](char* data, size_t size, size_t count, void* out) {
                     const std::string line(data, size * count);
                     const std::size_t colon = line.find(':');
                     if (colon != std::string::npos) {
                       std::string name = line.substr(0, colon);
                       for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
                       std::string value = line.substr(colon + 1);
                       value.erase(0, value.find_first_not_of(' '));
                       value.erase(value.find_last_not_of("\r\n") + 1);
                       (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
                     }
                     return size * count;
                   }));
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  if (curl_easy_perform(curl) == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

// load -> export: a few milliseconds on a small mesh.
inline const char* kQuickPipeline = R"(pipeline: quick
inputs: {source: file}
nodes:
  load: {op: load, inputs: {file: source}}
  export: {op: export, inputs: {model: load}, params: {format: glb, levels: all}}
outputs:
  model: export
)";

// load -> unwrap -> export: a few tenths of a second, long enough to be killed in.
inline const char* kSlowPipeline = R"(pipeline: slow
inputs: {source: file}
nodes:
  load: {op: load, inputs: {file: source}}
  unwrap: {op: unwrap, inputs: {mesh: load}}
  export: {op: export, inputs: {model: unwrap}, params: {format: glb, levels: all}}
outputs:
  model: export
)";

inline std::string job_body(const std::string& pipeline, const std::vector<std::string>& inputs) {
  return Json{{"pipeline", pipeline}, {"inputs", inputs}}.dump();
}

// A whole service in this process on a free loopback port, over a scratch folder.
class LocalService {
 public:
  explicit LocalService(int workers = 1, std::uint64_t max_body = std::uint64_t{64} << 20,
                        service::RateLimit rate_limit = {}, service::JobLimits default_limits = {})
      : data_(scratch_dir()), artifacts_(data_) {
    auto store = service::SqliteJobStore::open(data_ / "atlas.db");
    EXPECT_TRUE(store.ok());
    store_ = std::move(store.value());
    EXPECT_TRUE(artifacts_.prepare().ok());
    service::WorkerOptions options;
    options.workers = workers;
    options.idle_poll = std::chrono::milliseconds(20);
    options.heartbeat = std::chrono::milliseconds(100);
    options.prices.asset = 0.05;
    options.prices.compute_second = 0.001;
    workers_ = std::make_unique<service::JobWorkers>(*store_, artifacts_, options);
    service::ApiOptions api;
    api.prices = options.prices;
    api.prices.api_call = 0.0001;
    api.rate_limit = rate_limit;
    api.default_limits = default_limits;
    api.job_queued = [this] { workers_->wake(); };
    api.jobs_run = [this] { return workers_->jobs_run(); };
    api_ = std::make_unique<service::Api>(*store_, artifacts_, api);
    service::HttpServerOptions http;
    http.port = 0;
    http.max_body_bytes = max_body;
    http.stream_poll = std::chrono::milliseconds(20);
    auto server = service::HttpServer::start(
        http, [this](const service::HttpRequest& request) { return api_->handle(request); });
    EXPECT_TRUE(server.ok());
    server_ = std::move(server.value());
    if (workers > 0) workers_->start();
  }
  ~LocalService() {
    server_->stop();
    workers_->stop();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  // A new key of `tenant` with its own job limits, as the header that sends it.
  std::string key_header(const std::string& tenant, const service::JobLimits& limits = {}) {
    const service::GeneratedKey key = service::generate_api_key();
    EXPECT_TRUE(store_->create_key(tenant, key.hash, key.prefix, limits).ok());
    return "Authorization: Bearer " + key.secret;
  }
  std::string upload(const std::string& auth, const std::filesystem::path& file) {
    const Bytes bytes = must_read(file);
    const HttpResult result = http("POST", url("/v1/assets?filename=" + file.filename().string()),
                                   {auth}, std::string(bytes.begin(), bytes.end()));
    EXPECT_EQ(result.status, 201) << result.body;
    return result.json().value("id", "");
  }
  // Polls the job until it leaves queued and running; its last JSON.
  Json wait_for(const std::string& auth, const std::string& job_id) {
    Json job;
    for (int i = 0; i < 1500; ++i) {
      job = http("GET", url("/v1/jobs/" + job_id), {auth}).json();
      const std::string state = job.value("state", "");
      if (state != "queued" && state != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return job;
  }

  service::SqliteJobStore& store() { return *store_; }
  const std::filesystem::path& data() const { return data_; }

 private:
  std::filesystem::path data_;
  std::unique_ptr<service::SqliteJobStore> store_;
  service::ArtifactStore artifacts_;
  std::unique_ptr<service::JobWorkers> workers_;
  std::unique_ptr<service::Api> api_;
  std::unique_ptr<service::HttpServer> server_;
};

}  // namespace atlas::test
