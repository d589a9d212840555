#pragma once
// Why a call to the 404 gateway failed, as a stable code (for programs: metering,
// retries, the service API) and a message (for people). Messages quote what the
// gateway answered but never the API key.

#include <string>

#include "core/result.h"
#include "providers/expected.h"

namespace atlas::providers {

enum class GatewayErrorCode {
  BadRequest,           // 400, or a request refused before sending (prompt, image, model)
  Unauthorized,         // 401: missing or wrong API key
  InsufficientBalance,  // 402: the account cannot pay for the task
  RateLimited,          // 429 still answered after the bounded retries
  QueueFull,            // 503 "Task queue is full" still answered after the retries
  NotFound,             // 404: no such task, or its results expired (300 s after the last)
  GenerationFailed,     // the task ended in Failure (the reason is in the message)
  Timeout,              // no answer in time, or the task's deadline passed without a result
  ConnectionDropped,    // the connection broke mid-exchange
  Unreachable,          // no base URL could be connected to (DNS, TCP or TLS)
  CorruptPayload,       // a download that is truncated or not what was asked for
  ServerError,          // another 5xx, or an answer this client cannot parse
  Cancelled,            // the caller's cancel flag turned true
  NotConfigured,        // no API key
};

// The stable snake_case name: "bad_request", "unauthorized", "insufficient_balance",
// "rate_limited", "queue_full", "not_found", "generation_failed", "timeout",
// "connection_dropped", "unreachable", "corrupt_payload", "server_error", "cancelled",
// "not_configured".
const char* to_string(GatewayErrorCode code);

struct GatewayError {
  GatewayErrorCode code = GatewayErrorCode::ServerError;
  std::string message;

  // "<code>: <message>", for layers that carry only a message.
  Error as_error() const { return make_error(std::string(to_string(code)) + ": " + message); }
};

template <typename T>
using GatewayResult = Expected<T, GatewayError>;

}  // namespace atlas::providers
