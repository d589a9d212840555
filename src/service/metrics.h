#pragma once
// The server's Prometheus metrics: requests by route, method and status, request
// latency histograms by route, and (read from the store when scraped, so that what other
// processes did counts too) jobs by state, the queue depth among them, job outcomes, and
// remote provider calls with their cost.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "service/job_store.h"

namespace atlas::service {

class Metrics {
 public:
  // `route` is the route's template ("/v1/jobs/{id}"), never the raw path, so ids do not
  // make a series each.
  void record_request(const std::string& route, const std::string& method, int status,
                      double seconds);
  // The text exposition format, with the job counts, the jobs this process ran and the
  // provider calls.
  std::string exposition(const std::vector<std::pair<JobState, std::int64_t>>& jobs,
                         std::int64_t jobs_run,
                         const std::vector<ProviderCalls>& provider_calls = {}) const;

  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};

 private:
  struct Latency {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Latency> latency_;
};

}  // namespace atlas::service
