#include "service/store_rows.h"

#include <cstdio>
#include <ctime>

#include "service/ids.h"

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

namespace atlas::service {

const char* to_string(DeliveryState state) {
  switch (state) {
    case DeliveryState::Pending:
      return "pending";
    case DeliveryState::Delivered:
      return "delivered";
    case DeliveryState::Failed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryState> parse_delivery_state(const std::string& text) {
  for (DeliveryState state :
       {DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed})
    if (text == to_string(state)) return state;
  return std::nullopt;
}

}  // namespace atlas::service

namespace atlas::service::store_rows {

std::optional<JobState> state_of_event(const std::string& data_json) {
  const std::string prefix = "{\"state\":\"";
  if (data_json.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::size_t end = data_json.find('"', prefix.size());
  if (end == std::string::npos) return std::nullopt;
  return parse_job_state(data_json.substr(prefix.size(), end - prefix.size()));
}

std::string new_webhook_secret() { return random_id("whsec_", 32); }

std::string webhook_payload(const std::string& delivery_id, const std::string& job_id,
                            JobState state, std::int64_t event_seq, const std::string& data_json,
                            std::int64_t time_ms) {
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char created[80];
  std::snprintf(created, sizeof created, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                int(time_ms % 1000));
  return "{\"id\":" + json_string(delivery_id) +
         ",\"type\":\"job.state\",\"job_id\":" + json_string(job_id) + ",\"state\":\"" +
         to_string(state) + "\",\"event_id\":" + std::to_string(event_seq) +
         ",\"data\":" + data_json + ",\"created_at\":\"" + created + "\"}";
}

std::string truncated_error(const std::string& text) {
  if (text.size() <= kMaxDeliveryError) return text;
  std::size_t end = kMaxDeliveryError;
  // Back to the start of a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace atlas::service::store_rows
