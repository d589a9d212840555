#pragma once
// A fake 404 gateway for tests: a real HTTP/1.1 server on 127.0.0.1 (an ephemeral
// port) that answers /add_task, /get_status and /get_result as the real gateway does
// (../shared/docs/404-gateway.md), with the same validation, status strings, error
// bodies and headers. Tasks follow a scripted timeline of simulated workers; results
// are the real 404 files from the shared test data. Faults (error statuses, slow
// answers, dropped connections, truncated bodies) are injected per request, and every
// add_task is counted so tests can prove nothing was paid for twice.

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atlas::test {

using std::chrono::milliseconds;

// One miner answering a task.
struct FakeWorker {
  milliseconds answers_after{0};  // after the task was created
  // Its result, relative to the test data: a splat file (.ply or .spz) for 404-3dgs,
  // served as SPZ (404's zstd variant) or as PLY with compress=0; a GLB for mesh models.
  std::string splat = "splats/404-hamburger.ply";
  std::string mesh = "meshes/trellis-sample.glb";
  std::string failure;     // non-empty: the worker fails with this reason instead
  bool truncated = false;  // its result is the first half of the file (a broken upload)
};

// How the next tasks unfold.
struct FakeTaskScript {
  std::vector<FakeWorker> workers{FakeWorker{}};
  milliseconds in_progress_after{0};  // NoResult before, InProgress after
};

enum class FakeEndpoint { AddTask, GetStatus, GetResult };

// What happens to one request instead of (or before) its normal answer.
struct FakeFault {
  enum class Kind {
    Status,            // answer `status` with `body` and `content_type` (and Retry-After)
    DropBeforeAnswer,  // read the request, close the connection without answering
    CreateThenDrop,    // add_task only: create (and charge) the task, then drop
    TruncateBody,      // the normal answer, its body cut in half under the full length
    Delay,             // the normal answer after `delay`
  };
  Kind kind = Kind::Status;
  int status = 500;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::optional<int> retry_after_seconds;
  milliseconds delay{0};

  static FakeFault insufficient_balance();
  static FakeFault rate_limited(std::optional<int> retry_after_seconds);  // concurrent_limit
  static FakeFault queue_full();
  static FakeFault answer(int status, std::string body);
  static FakeFault drop();
  static FakeFault create_then_drop();
  static FakeFault truncate();
  static FakeFault slow(milliseconds delay);
};

struct FakeGatewayOptions {
  std::string api_key = "test-key-0123456789abcdef";
  FakeTaskScript script;  // for every task unless script_next_task() says otherwise
  // Results vanish this long after the last one arrived (300 s on the real gateway).
  milliseconds result_lifetime{300'000};
};

// What one add_task carried, as the server parsed it.
struct FakeAddTask {
  std::string content_type;  // "application/json" or "multipart/form-data"
  std::string prompt;
  std::string model;
  std::optional<long long> seed;
  std::string model_params;  // the JSON text, or empty
  std::size_t image_bytes = 0;
  std::string image_content_type;
  std::string client_origin;  // x-client-origin
};

class FakeGateway {
 public:
  // Starts listening; the server runs on its own threads until destroyed.
  explicit FakeGateway(FakeGatewayOptions options = {});
  ~FakeGateway();
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  const std::string& api_key() const;

  // The next task created follows `script` (scripts queue up, then the default applies).
  void script_next_task(FakeTaskScript script);
  // The next request to `endpoint` meets `fault` (faults queue up per endpoint).
  void inject(FakeEndpoint endpoint, FakeFault fault);

  int add_task_requests() const;  // POST /add_task received, whatever the answer
  int tasks_created() const;      // tasks that exist: what the account was charged for
  int status_requests() const;
  int result_requests() const;
  int connections_accepted() const;
  std::vector<FakeAddTask> add_tasks() const;  // every parsed add_task that created a task

 private:
  class Server;
  std::unique_ptr<Server> server_;
};

// Sends the `atlas` processes a test starts to `gateway`: its URL and key in the
// environment, and `dir`'s config and cache folders instead of the machine's. Undone when
// it goes.
class FakeGatewayEnvironment {
 public:
  FakeGatewayEnvironment(const FakeGateway& gateway, const std::filesystem::path& dir) {
    setenv("ATLAS_404_BASE_URL", gateway.base_url().c_str(), 1);
    setenv("ATLAS_404_API_KEY", gateway.api_key().c_str(), 1);
    setenv("XDG_CONFIG_HOME", (dir / "config").c_str(), 1);
    setenv("ATLAS_CACHE_DIR", (dir / "cache").c_str(), 1);
  }
  ~FakeGatewayEnvironment() {
    for (const char* name :
         {"ATLAS_404_BASE_URL", "ATLAS_404_API_KEY", "XDG_CONFIG_HOME", "ATLAS_CACHE_DIR"})
      unsetenv(name);
  }
  FakeGatewayEnvironment(const FakeGatewayEnvironment&) = delete;
  FakeGatewayEnvironment& operator=(const FakeGatewayEnvironment&) = delete;
};

}  // namespace atlas::test
