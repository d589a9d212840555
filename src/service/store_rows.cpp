#include "service/store_rows.h"

#include <cstdio>

namespace atlas::service::store_rows {

std::string join_lines(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : "\n") + item;
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

UsageKind parse_usage_kind(const std::string& text) {
  for (UsageKind kind :
       {UsageKind::ApiCall, UsageKind::Generation, UsageKind::Asset, UsageKind::ComputeSeconds})
    if (text == to_string(kind)) return kind;
  return UsageKind::ApiCall;
}

std::int64_t utc_day_start_ms(std::int64_t ms) {
  constexpr std::int64_t kDayMs = 86'400'000;
  return ms / kDayMs * kDayMs;
}

CreatedJob check_job_limits(const JobLimits& limits, std::int64_t active, std::int64_t today) {
  CreatedJob refusal;
  refusal.created = false;
  if (limits.concurrent_jobs > 0 && active >= limits.concurrent_jobs) {
    refusal.refused = JobRefusal::ConcurrentJobs;
    refusal.limit = limits.concurrent_jobs;
    refusal.used = double(active);
  } else if (limits.jobs_per_day > 0 && today >= limits.jobs_per_day) {
    refusal.refused = JobRefusal::JobsPerDay;
    refusal.limit = limits.jobs_per_day;
    refusal.used = double(today);
  }
  return refusal;
}

CreatedJob check_balance(const Balance& balance) {
  CreatedJob refusal;
  refusal.created = false;
  if (balance.credit_limit && balance.spent >= *balance.credit_limit) {
    refusal.refused = JobRefusal::InsufficientBalance;
    refusal.limit = *balance.credit_limit;
    refusal.used = balance.spent;
  }
  return refusal;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string state_event(JobState state, const std::string& extra) {
  return std::string("{\"state\":\"") + to_string(state) + "\"" + extra + "}";
}

}  // namespace atlas::service::store_rows
