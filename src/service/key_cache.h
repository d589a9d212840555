#pragma once
// The API keys the server saw lately, so a busy client's requests skip hashing its key
// and the store's look-up: a key found (or revoked) in the store is seen as such here
// within `ttl`. Thread-safe.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "service/job_store.h"

namespace atlas::service {

class KeyCache {
 public:
  explicit KeyCache(std::chrono::milliseconds ttl = std::chrono::milliseconds(1000),
                    std::size_t capacity = 10'000)
      : ttl_(ttl), capacity_(capacity) {}

  // The live key last stored for `secret`, unless older than the ttl.
  std::optional<ApiKey> find(const std::string& secret) {
    const std::lock_guard lock(mutex_);
    const auto found = keys_.find(secret);
    if (found == keys_.end() || std::chrono::steady_clock::now() >= found->second.expires)
      return std::nullopt;
    return found->second.key;
  }

  // Only live keys are kept: an unknown or revoked key goes to the store every time, so
  // a key created a moment ago is never refused from here.
  void store(const std::string& secret, const ApiKey& key) {
    const std::lock_guard lock(mutex_);
    // Full: start again rather than track ages; a miss only costs one look-up.
    if (keys_.size() >= capacity_) keys_.clear();
    keys_[secret] = {key, std::chrono::steady_clock::now() + ttl_};
  }

 private:
  struct Entry {
    ApiKey key;
    std::chrono::steady_clock::time_point expires;
  };
  const std::chrono::milliseconds ttl_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> keys_;
};

}  // namespace atlas::service
