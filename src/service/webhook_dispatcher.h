#pragma once
// The webhook dispatcher of `atlas serve`: threads that lease due deliveries from the
// store's webhook outbox (see job_store.h) and POST them to the jobs' webhook URLs.
//
// Each POST carries the delivery's JSON payload and three headers:
//   Content-Type: application/json
//   Atlas-Webhook-Id: whd_...           the delivery's id; the same on every retry
//   Atlas-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
// The HMAC key is the tenant's whole signing secret ("whsec_...") as ASCII bytes. A
// receiver recomputes v1 over the t it received and the raw body, compares in constant
// time, and refuses a t further than a few minutes from its clock (a replayed request).
//
// A 2xx answer is delivered; any other status, a network error or a timeout is an
// attempt that failed, retried after webhook_retry_delay_ms until max_attempts tries
// were made (the delivery then ends failed). Delivery is at least once: a dispatcher
// that dies after the receiver answered but before recording it leaves the delivery to
// be sent again when its lease expires, so receivers deduplicate by Atlas-Webhook-Id.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "service/job_store.h"

namespace atlas::providers {
class HttpClient;
}

namespace atlas::service {

struct WebhookOptions {
  int max_attempts = 8;  // tries before a delivery ends failed
  // The wait after the n-th failed try is base * 2^(n-1), at most `backoff_cap`, less
  // up to a quarter of it at random (so receivers that failed together are not all
  // retried at the same moment).
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{600'000};
  std::chrono::milliseconds timeout{10'000};  // one try, connecting included
  // How often idle senders look for due deliveries enqueued by other processes;
  // deliveries this process enqueues wake them at once (wake()).
  std::chrono::milliseconds poll{500};
  int senders = 4;           // deliveries sent at once
  std::string owner_prefix;  // names the senders in leases; empty: host and process id
};

// "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret, "<unix_seconds>.<body>")>"
std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body);

// The wait before the next try after `failed_attempts` (>= 1) tries failed, in ms;
// `random01` in [0, 1) picks the jitter.
std::int64_t webhook_retry_delay_ms(int failed_attempts, const WebhookOptions& options,
                                    double random01);

class WebhookDispatcher {
 public:
  WebhookDispatcher(JobStore& store, WebhookOptions options);
  // Stops.
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void start();
  // Deliveries were enqueued: idle senders look now instead of at their next poll.
  void wake();
  // Aborts the requests in flight (each is logged as a failed try, retried later) and
  // joins the threads. Idempotent.
  void stop();

 private:
  void loop(int index);
  void deliver(const LeasedDelivery& leased, const std::string& owner);

  JobStore& store_;
  WebhookOptions options_;
  std::int64_t lease_ms_;
  std::unique_ptr<providers::HttpClient> client_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakes_ = 0;
  // When retries this process scheduled fall due, earliest first: senders wake for them
  // instead of waiting for the next poll.
  std::priority_queue<std::chrono::steady_clock::time_point,
                      std::vector<std::chrono::steady_clock::time_point>, std::greater<>>
      retries_;
  std::atomic<bool> stopping_{false};
};

}  // namespace atlas::service
