#pragma once
// Small pieces every client of a task-style HTTP service needs (the 404 gateway, the
// http_model services): reading a body as text, honouring Retry-After, naming transport
// failures with their error codes, and waiting between requests without missing a
// cancellation.

#include <atomic>
#include <chrono>
#include <optional>
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

}  // namespace atlas::providers
