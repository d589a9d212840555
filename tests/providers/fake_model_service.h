#pragma once
// A fake of Meshy's Retexture API for the http_model provider's tests: a real HTTP/1.1
// server on 127.0.0.1 (an ephemeral port) answering as Meshy documents it
// (providers/meshy-retexture.yaml cites the pages): bearer authentication (401),
// POST /openapi/v1/retexture -> 202 {"result": id}, GET /openapi/v1/retexture/{id} ->
// the task object (status PENDING, IN_PROGRESS with progress, SUCCEEDED with
// model_urls.glb pointing back at this server, or FAILED with task_error.message),
// and the result file (trellis-sample.glb from the shared test data) at that URL.
// Faults (error statuses with Retry-After, dropped connections, truncated bodies) are
// injected per request, and every create is counted so tests can prove no task was
// created twice.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atlas::test {

// How the next tasks unfold, from their creation.
struct FakeModelTaskScript {
  std::chrono::milliseconds pending_for{0};          // PENDING, progress 0
  std::chrono::milliseconds running_for{0};          // then IN_PROGRESS, progress rising to 99
  std::string failure;                               // non-empty: then FAILED with this message
  bool never_finishes = false;                       // stays IN_PROGRESS
  std::string result = "meshes/trellis-sample.glb";  // relative to the test data
};

enum class FakeModelEndpoint { Create, Poll, Download };

// What happens to one request instead of (or before) its normal answer.
struct FakeModelFault {
  enum class Kind {
    Status,          // answer `status` with `body` (and Retry-After); in the body,
                     // {{authorization}} becomes the request's Authorization header
    Drop,            // read the request, close the connection without answering
    CreateThenDrop,  // create only: create (and charge) the task, then drop
    Truncate,        // the normal answer, its body cut in half under the full length
  };
  Kind kind = Kind::Status;
  int status = 500;
  std::string body;
  std::optional<int> retry_after_seconds;

  static FakeModelFault answer(int status, std::string json_body,
                               std::optional<int> retry_after_seconds = std::nullopt);
  static FakeModelFault rate_limited(std::optional<int> retry_after_seconds);
  static FakeModelFault drop();
  static FakeModelFault create_then_drop();
  static FakeModelFault truncate();
};

struct FakeModelServiceOptions {
  std::string api_key = "msy_fake_0123456789abcdefghij";
  FakeModelTaskScript script;  // for every task unless script_next_task() says otherwise
};

class FakeModelService {
 public:
  // Starts listening; the server runs on its own threads until destroyed.
  explicit FakeModelService(FakeModelServiceOptions options = {});
  ~FakeModelService();
  FakeModelService(const FakeModelService&) = delete;
  FakeModelService& operator=(const FakeModelService&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  const std::string& api_key() const;

  // The next task created follows `script` (scripts queue up, then the default applies).
  void script_next_task(FakeModelTaskScript script);
  // The next request to `endpoint` meets `fault` (faults queue up per endpoint).
  void inject(FakeModelEndpoint endpoint, FakeModelFault fault);

  int create_requests() const;  // POST /openapi/v1/retexture received, whatever the answer
  int tasks_created() const;    // tasks that exist: what the account was charged for
  int poll_requests() const;
  int download_requests() const;
  // The JSON bodies of the creates that made a task, in order.
  std::vector<std::string> create_bodies() const;
  // Every Authorization header the server received on the result download URL.
  std::vector<std::string> download_authorizations() const;

 private:
  class Server;
  std::unique_ptr<Server> server_;
};

}  // namespace atlas::test
