// The answers to requests a limit refuses: a tenant out of credit (402) and a key over one
// of its job quotas (429 with Retry-After).

#include <cstdio>

#include "service/api_support.h"

namespace atlas::service {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
// A concurrent-jobs refusal ends when one of the key's jobs does: no time is known, so a
// client is told to look again soon rather than at once.
constexpr int kConcurrentRetrySeconds = 5;

std::string amount(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

HttpResponse insufficient_balance(const Api::Call& call, double spent, double limit) {
  return error_response(402, "insufficient_balance",
                        "the tenant spent " + amount(spent) + " " + call.options.prices.currency +
                            " of its credit limit of " + amount(limit) + " " +
                            call.options.prices.currency + "; ask for more credit");
}

}  // namespace

std::optional<HttpResponse> balance_refusal(const Api::Call& call) {
  auto balance = call.store.balance(call.key.tenant_id);
  if (!balance) return storage_error(balance.error());
  if (!balance->credit_limit || balance->spent < *balance->credit_limit) return std::nullopt;
  return insufficient_balance(call, balance->spent, *balance->credit_limit);
}

HttpResponse refusal_response(const Api::Call& call, const CreatedJob& refusal) {
  const std::string limit = std::to_string(std::int64_t(refusal.limit));
  HttpResponse response;
  int retry_after = kConcurrentRetrySeconds;
  switch (refusal.refused) {
    case JobRefusal::InsufficientBalance:
    case JobRefusal::None:
      return insufficient_balance(call, refusal.used, refusal.limit);
    case JobRefusal::ConcurrentJobs:
      response = error_response(
          429, "concurrent_jobs_exceeded",
          "this API key has " + limit + " jobs queued or running, its limit; retry when one ends");
      break;
    case JobRefusal::JobsPerDay: {
      const std::int64_t now = now_ms();
      retry_after = int((now / kDayMs + 1) * kDayMs - now + 999) / 1000;
      response = error_response(429, "daily_jobs_exceeded",
                                "this API key created " + limit +
                                    " jobs today (UTC), its daily limit; retry after midnight UTC");
      break;
    }
  }
  response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return response;
}

}  // namespace atlas::service
