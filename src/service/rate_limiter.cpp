#include "service/rate_limiter.h"

#include <algorithm>

namespace atlas::service {

double RateLimiter::acquire(const std::string& key, Clock::time_point now) {
  if (limit_.per_second <= 0) return 0;
  const double capacity = std::max(1.0, limit_.burst);
  const std::lock_guard lock(mutex_);
  auto [found, created] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& bucket = found->second;
  if (!created) {
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(capacity, bucket.tokens + std::max(0.0, elapsed) * limit_.per_second);
    bucket.last = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return (1 - bucket.tokens) / limit_.per_second;
}

}  // namespace atlas::service
