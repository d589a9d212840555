#pragma once
// Per-key request rate limits: a token bucket a key, refilled at `per_second` up to
// `burst`, so a client may burst briefly but not sustain more than its rate. The API
// answers a request without a token with 429 and Retry-After.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace atlas::service {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // the bucket's size; below 1: one request
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // Takes a token from the bucket of `key` (an API key's id, so buckets are bounded by
  // the keys that exist). Returns 0 when the request may go ahead, otherwise the seconds
  // until a token is there.
  double acquire(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  RateLimit limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace atlas::service
