#include "service/metrics.h"

#include <cstdio>

namespace atlas::service {

void Metrics::record_request(const std::string& route, const std::string& method, int status,
                             double seconds) {
  const std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  Latency& latency = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++latency.buckets[i];
  ++latency.count;
  latency.sum += seconds;
}

std::string Metrics::exposition(const std::vector<std::pair<JobState, std::int64_t>>& jobs,
                                std::int64_t jobs_run,
                                const std::vector<ProviderCalls>& provider_calls) const {
  std::string text;
  char line[512];
  text += "# HELP atlas_http_requests_total HTTP requests by route, method and status.\n";
  text += "# TYPE atlas_http_requests_total counter\n";
  const std::lock_guard lock(mutex_);
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    std::snprintf(line, sizeof line,
                  "atlas_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
                  route.c_str(), method.c_str(), status, static_cast<unsigned long long>(count));
    text += line;
  }
  text += "# HELP atlas_http_request_duration_seconds Time to answer a request, by route.\n";
  text += "# TYPE atlas_http_request_duration_seconds histogram\n";
  for (const auto& [route, latency] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(line, sizeof line,
                    "atlas_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    route.c_str(), kBuckets[i],
                    static_cast<unsigned long long>(latency.buckets[i]));
      text += line;
    }
    std::snprintf(line, sizeof line,
                  "atlas_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                  "atlas_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                  "atlas_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                  route.c_str(), static_cast<unsigned long long>(latency.count), route.c_str(),
                  latency.sum, route.c_str(), static_cast<unsigned long long>(latency.count));
    text += line;
  }
  text += "# HELP atlas_jobs Jobs in the store by state (queued: the queue depth).\n";
  text += "# TYPE atlas_jobs gauge\n";
  for (const auto& [state, count] : jobs) {
    std::snprintf(line, sizeof line, "atlas_jobs{state=\"%s\"} %lld\n", to_string(state),
                  static_cast<long long>(count));
    text += line;
  }
  // Jobs are never deleted, so the finished ones only grow: a counter of outcomes.
  text += "# HELP atlas_jobs_finished_total Jobs that ended, by outcome.\n";
  text += "# TYPE atlas_jobs_finished_total counter\n";
  for (const auto& [state, count] : jobs) {
    if (!is_terminal(state)) continue;
    std::snprintf(line, sizeof line, "atlas_jobs_finished_total{state=\"%s\"} %lld\n",
                  to_string(state), static_cast<long long>(count));
    text += line;
  }
  // Provider and payer names come from the configuration, not from clients; quotes and
  // backslashes are dropped all the same so a label can never break the format.
  const auto label = [](const std::string& value) {
    std::string clean;
    for (char c : value.substr(0, 100))
      if (c != '"' && c != '\\' && c != '\n') clean += c;
    return clean;
  };
  text +=
      "# HELP atlas_provider_calls_total Remote provider calls (generations), by provider "
      "and payer.\n";
  text += "# TYPE atlas_provider_calls_total counter\n";
  std::map<std::pair<std::string, std::string>, std::int64_t> calls;
  for (const ProviderCalls& entry : provider_calls)
    calls[{label(entry.provider), label(entry.billed_by)}] += entry.calls;
  for (const auto& [key, count] : calls) {
    std::snprintf(line, sizeof line,
                  "atlas_provider_calls_total{provider=\"%s\",billed_by=\"%s\"} %lld\n",
                  key.first.c_str(), key.second.c_str(), static_cast<long long>(count));
    text += line;
  }
  text +=
      "# HELP atlas_provider_cost_total What remote provider calls cost, by provider, payer "
      "and currency.\n";
  text += "# TYPE atlas_provider_cost_total counter\n";
  for (const ProviderCalls& entry : provider_calls) {
    std::snprintf(line, sizeof line,
                  "atlas_provider_cost_total{provider=\"%s\",billed_by=\"%s\",currency=\"%s\"} "
                  "%.6f\n",
                  label(entry.provider).c_str(), label(entry.billed_by).c_str(),
                  label(entry.currency).c_str(), entry.cost);
    text += line;
  }
  text += "# HELP atlas_jobs_run_total Jobs this process's workers ran to an outcome.\n";
  text += "# TYPE atlas_jobs_run_total counter\n";
  text += "atlas_jobs_run_total " + std::to_string(jobs_run) + "\n";
  return text;
}

}  // namespace atlas::service
