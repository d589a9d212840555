#pragma once
// Small pieces every client of a task-style HTTP service needs (the 404 gateway, the
// http_model services): reading a body as text, honouring Retry-After, naming transport
// failures with their error codes, and waiting between requests without missing a
// cancellation.

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/file_io.h"
#include "providers/gateway_error.h"
#include "providers/http_client.h"

namespace atlas::providers {

// The bytes as text, without a copy; valid while `bytes` lives.
std::string_view text_of(const Bytes& bytes);

// `text` without leading and trailing white space.
std::string_view trimmed(std::string_view text);

// The response's Retry-After in seconds, capped at a year; nullopt when it is absent,
// negative or an HTTP date (callers then back off on their own schedule).
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response);

// A transport failure as a provider error with its stable code: "<what>: cannot reach
// <peer>: ...", "no answer in time", "the connection broke", or "cancelled".
GatewayError transport_error(const HttpError& error, std::string_view what, std::string_view peer);

// Sleeps for `duration`, checking `cancel` every few milliseconds. Returns false as soon
// as `cancel` turns true, true when the whole duration passed.
bool wait_unless_cancelled(std::chrono::milliseconds duration, const std::atomic<bool>& cancel);

// The error with every occurrence of `secret` (an API key) in its message replaced by
// "[redacted]": whatever a service echoes back, a key never leaves in an error.
GatewayError redacted(GatewayError error, const std::string& secret);

// Jittered waits between polls and retries, so that many clients never act in step.
// One a task run; not thread-safe.
class JitteredBackoff {
 public:
  JitteredBackoff(std::chrono::milliseconds base, std::chrono::milliseconds max);

  // A wait drawn uniformly from [low, high].
  std::chrono::milliseconds between(std::chrono::milliseconds low, std::chrono::milliseconds high);
  // The wait after `failures` failures in a row: base * 2^failures, capped at max, drawn
  // from its upper half.
  std::chrono::milliseconds after(int failures);

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::mt19937 random_;
};

}  // namespace atlas::providers
