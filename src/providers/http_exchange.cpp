#include "providers/http_exchange.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <thread>

namespace atlas::providers {
namespace {

// How long a cancel flag can go unnoticed while a client waits between requests.
constexpr std::chrono::milliseconds kCancelCheckInterval{5};

}  // namespace

std::string_view text_of(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
  const std::string value = response.header("retry-after");
  long long seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || error != std::errc() || end != value.data() + value.size() || seconds < 0)
    return std::nullopt;
  constexpr long long kLongestWait = 365LL * 24 * 3600;  // keeps the product in range
  return std::chrono::milliseconds(std::min(seconds, kLongestWait) * 1000);
}

GatewayError transport_error(const HttpError& error, std::string_view what, std::string_view peer) {
  const std::string prefix = std::string(what) + ": ";
  switch (error.failure) {
    case HttpFailure::Connect:
    case HttpFailure::Tls:
      return {GatewayErrorCode::Unreachable,
              prefix + "cannot reach " + std::string(peer) + ": " + error.message};
    case HttpFailure::Timeout:
      return {GatewayErrorCode::Timeout, prefix + "no answer in time: " + error.message};
    case HttpFailure::Dropped:
      return {GatewayErrorCode::ConnectionDropped,
              prefix + "the connection broke: " + error.message};
    case HttpFailure::TooLarge:
      return {GatewayErrorCode::CorruptPayload, prefix + error.message};
    case HttpFailure::Cancelled:
      return {GatewayErrorCode::Cancelled, "cancelled"};
    case HttpFailure::Other:
      break;
  }
  return {GatewayErrorCode::ServerError, prefix + error.message};
}

bool wait_unless_cancelled(std::chrono::milliseconds duration, const std::atomic<bool>& cancel) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point until = Clock::now() + duration;
  while (!cancel.load()) {
    const Clock::time_point now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, kCancelCheckInterval));
  }
  return false;
}

GatewayError redacted(GatewayError error, const std::string& secret) {
  if (secret.empty()) return error;
  for (std::size_t at = error.message.find(secret); at != std::string::npos;
       at = error.message.find(secret, at))
    error.message.replace(at, secret.size(), "[redacted]");
  return error;
}

JitteredBackoff::JitteredBackoff(std::chrono::milliseconds base, std::chrono::milliseconds max)
    : base_(base), max_(max), random_(std::random_device{}()) {}

std::chrono::milliseconds JitteredBackoff::between(std::chrono::milliseconds low,
                                                   std::chrono::milliseconds high) {
  if (high <= low) return low;
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(low.count(), high.count());
  return std::chrono::milliseconds(pick(random_));
}

std::chrono::milliseconds JitteredBackoff::after(int failures) {
  std::chrono::milliseconds delay = base_;
  for (int i = 0; i < failures && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  return between(delay / 2, delay);
}

}  // namespace atlas::providers
