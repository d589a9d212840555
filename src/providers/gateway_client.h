#pragma once
// The client of the 404 gateway (../shared/docs/404-gateway.md): submits a task,
// polls its status and downloads its results while they still exist. One call,
// generate(), does all three with bounded retries and a record of what was attempted
// and may have been charged.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "providers/gateway_config.h"
#include "providers/gateway_error.h"
#include "providers/http_client.h"

namespace atlas::providers {

// What to generate. Exactly one of `prompt` and `image`.
struct TaskRequest {
  std::string prompt;  // text-to-3D: 3-384 characters of A-Z a-z 0-9 space .,'():;/?!+%-
  Bytes image;         // image-to-3D: the encoded PNG, JPEG or WebP, at most 1024x1024, 2 MiB
  std::string model = "404-3dgs";  // 404-3dgs (text or image), 404-mesh, 404-mesh-v2 (image)
  // -2^31 ... 2^32-1; values above 2^31-1 are sent cast to signed 32 bits as the gateway
  // casts them (4294967295 -> -1). Absent or -1: the gateway picks one at random.
  std::optional<std::int64_t> seed;
  // Empty, or a JSON object of at most 1024 bytes. For 404-mesh-v2 only pipeline_type
  // ("1024", "1024_cascade", "1536_cascade"), texture_size (1024, 2048, 4096) and
  // face_count (20000-2000000) are accepted.
  std::string model_params_json;
};

// Checks `request` against the gateway's rules, so nothing that would be refused (or
// paid for in vain) is sent. Fails with BadRequest and a message saying what to change.
GatewayResult<Ok> check_task_request(const TaskRequest& request);

enum class CandidateMode {
  First,  // download the first result as soon as one exists (PartialResult(1))
  All,    // wait for Success (or the deadline) and download every result (all=true ZIP)
};

// Splats come as 404's zstd SPZ unless PLY is asked for (decompressed on the server).
enum class SplatEncoding { Spz, Ply };

struct GenerationRequest {
  TaskRequest task;
  CandidateMode candidates = CandidateMode::First;
  SplatEncoding splat_encoding = SplatEncoding::Spz;
};

// A task's state as get_status reports it.
struct TaskStatus {
  enum class State { NoResult, InProgress, PartialResult, Success, Failure };
  State state = State::NoResult;
  int results = 0;        // n of PartialResult(n); at least 1 for Success
  std::string worker_id;  // Success
  std::string reason;     // Failure
};

// Parses a get_status body ({"status": "PartialResult(2)"} and the like). Fails with
// ServerError on anything else.
GatewayResult<TaskStatus> parse_task_status(std::string_view body);

// One downloaded result: its name in the ZIP ("1.spz") or "result.<ext>", its bytes,
// and the extension ("spz", "ply", "glb").
struct Candidate {
  std::string name;
  Bytes bytes;
  std::string extension;
};

// What one generate() call attempted and what may have been charged, for metering and
// for the "powered by 404" provenance. Filled in on success and on failure.
struct GenerationRecord {
  std::string model;
  std::string base_url;  // the region that accepted the task; empty if none did
  std::string task_id;   // empty when no task is known to exist
  // add_task was sent but its answer was lost (dropped, timed out, unparsable): a task
  // may exist and be charged although its id is unknown.
  bool task_outcome_unknown = false;
  int add_task_requests = 0;  // POSTs that reached a server (rejected ones included)
  int results_reported = 0;   // the largest n the gateway reported
  int candidates_downloaded = 0;
  std::string worker_id;
  std::chrono::milliseconds elapsed{0};
};

struct Generation {
  GenerationRecord record;
  std::vector<Candidate> candidates;  // in the gateway's order; empty on failure
  std::optional<GatewayError> error;
  bool ok() const { return !error; }
};

// The gateway's timings, and this client's. Tests scale them down.
struct GatewayTiming {
  // Status polls are spread uniformly over [min, max] so many clients do not poll in step.
  std::chrono::milliseconds poll_interval_min{1000};
  std::chrono::milliseconds poll_interval_max{2000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};    // add_task and get_status
  std::chrono::milliseconds download_timeout{300'000};  // get_result
  std::chrono::milliseconds task_deadline{600'000};     // the gateway's own deadline
  // Results vanish this long after the last one arrived; all-mode downloads what exists
  // once `lifetime_margin` is all that is left, rather than wait for more.
  std::chrono::milliseconds result_lifetime{300'000};
  std::chrono::milliseconds lifetime_margin{60'000};
  // Back-off after 429 (without Retry-After), 503 and transient failures: base * 2^k,
  // capped, with jitter.
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_max{30'000};
  // A Retry-After longer than this (a daily limit) fails at once instead of waiting.
  std::chrono::milliseconds max_retry_after{120'000};
  int max_attempts = 4;  // per request, the first included
  std::size_t max_download_bytes = std::size_t{1} << 30;
};

// Progress in [0, 1] while a generation runs.
using GatewayProgress = std::function<void(double fraction)>;

// Thread-safe; one client serves every generation of a process, reusing connections.
class GatewayClient {
 public:
  explicit GatewayClient(GatewayConfig config, GatewayTiming timing = {});

  // Submits the task, waits for its results and downloads them as `request.candidates`
  // says. Returns when done, failed, or `cancel` turned true (within about 10 ms, or
  // when the running HTTP request notices, whichever is first).
  //
  // Retries, and why they never pay twice:
  // - add_task is retried only when the gateway provably created no task: the request
  //   never left this machine (DNS, TCP or TLS failure: the next base URL is tried, then
  //   the list again after a back-off), or it answered 429 (Retry-After honoured, else
  //   back-off) or 503 queue full (back-off). 400, 401 and 402 fail at once. When the
  //   request was sent but its answer was lost (dropped connection, timeout, a 5xx
  //   other than 503, a 200 without an id), the task may exist and be charged, and the
  //   gateway offers no idempotency key or task listing to find it: the call fails
  //   with record.task_outcome_unknown set rather than risk a second paid task.
  // - Once a task exists it is polled and downloaded only at the base URL that took
  //   it (tasks live in one region); transient failures there (connection, timeout,
  //   5xx, 429) are retried with back-off, at most max_attempts in a row; get_status and
  //   get_result are free and idempotent.
  // - Every download happens within the results' lifetime; a truncated or malformed
  //   payload is downloaded again, at most max_attempts times.
  Generation generate(const GenerationRequest& request, const std::atomic<bool>& cancel,
                      const GatewayProgress& progress = {}) const;

 private:
  GatewayConfig config_;
  GatewayTiming timing_;
  HttpClient http_;
};

}  // namespace atlas::providers
