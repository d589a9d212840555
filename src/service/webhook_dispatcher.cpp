#include "service/webhook_dispatcher.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/sha256.h"
#include "providers/http_client.h"
#include "service/ids.h"

namespace atlas::service {

namespace {

using Clock = std::chrono::steady_clock;

// What a receiver's answer body adds to a failed try's error, at most.
constexpr std::size_t kBodyExcerpt = 200;

double random01() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, t + "." + body);
}

std::int64_t webhook_retry_delay_ms(int failed_attempts, const WebhookOptions& options,
                                    double random01) {
  const std::int64_t cap = std::max<std::int64_t>(1, options.backoff_cap.count());
  std::int64_t delay = std::max<std::int64_t>(1, options.backoff_base.count());
  for (int i = 1; i < failed_attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  return delay - std::int64_t(double(delay) / 4 * std::clamp(random01, 0.0, 1.0));
}

WebhookDispatcher::WebhookDispatcher(JobStore& store, WebhookOptions options)
    : store_(store),
      options_(std::move(options)),
      // Longer than any try can take, so a live sender never loses its delivery to
      // another; a dead sender's deliveries wait that long before going out again.
      lease_ms_(2 * options_.timeout.count() + 10'000),
      client_(std::make_unique<providers::HttpClient>()) {
  options_.owner_prefix = lease_owner_prefix(options_.owner_prefix);
}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::start() {
  for (int i = 0; i < std::max(1, options_.senders); ++i)
    threads_.emplace_back([this, i] { loop(i); });
}

void WebhookDispatcher::wake() {
  {
    const std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
}

void WebhookDispatcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

void WebhookDispatcher::loop(int index) {
  const std::string owner = options_.owner_prefix + "/webhooks/" + std::to_string(index);
  std::uint64_t seen = 0;
  while (!stopping_) {
    auto leased = store_.lease_deliveries(owner, lease_ms_, 1);
    if (!leased)
      std::fprintf(stderr, "atlas serve: webhooks: %s\n", leased.error().message.c_str());
    if (leased && !leased->empty()) {
      deliver(leased->front(), owner);
      continue;
    }
    std::unique_lock lock(mutex_);
    const Clock::time_point now = Clock::now();
    while (!retries_.empty() && retries_.top() <= now) retries_.pop();
    Clock::time_point until = now + options_.poll;
    if (!retries_.empty()) until = std::min(until, retries_.top());
    wake_.wait_until(lock, until, [&] { return wakes_ != seen || stopping_.load(); });
    seen = wakes_;
  }
}

void WebhookDispatcher::deliver(const LeasedDelivery& leased, const std::string& owner) {
  const WebhookDelivery& delivery = leased.delivery;
  providers::HttpRequest request;
  request.method = "POST";
  request.url = delivery.url;
  request.body = delivery.payload;
  request.timeout = options_.timeout;
  request.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10'000));
  request.max_body_bytes = 64 * 1024;  // receivers answer briefly; the body is only logged
  request.cancel = &stopping_;
  const std::int64_t sent_ms = now_ms();
  request.headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", "atlas-webhooks/1"},
      {"Atlas-Webhook-Id", delivery.id},
      {"Atlas-Signature", webhook_signature(leased.secret, sent_ms / 1000, delivery.payload)}};
  const auto started = Clock::now();
  const providers::HttpResult answer = client_->perform(request);
  DeliveryResult result;
  result.attempt.time_ms = sent_ms;
  result.attempt.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  if (answer) {
    result.attempt.http_status = int(answer->status);
    result.delivered = answer->status >= 200 && answer->status < 300;
    if (!result.delivered) {
      std::string body = answer->body_text().substr(0, kBodyExcerpt);
      result.attempt.error =
          "HTTP " + std::to_string(answer->status) + (body.empty() ? "" : ": ") + body;
    }
  } else {
    result.attempt.error = answer.error().message;
  }
  const bool cancelled = !answer && answer.error().failure == providers::HttpFailure::Cancelled;
  if (cancelled) {
    // Stopping is not the receiver's failure: due again at once, for whoever runs next.
    result.attempt.error = "the dispatcher stopped during the request";
    result.retry_after_ms = 0;
  } else if (!result.delivered && delivery.attempts + 1 < options_.max_attempts) {
    result.retry_after_ms = webhook_retry_delay_ms(delivery.attempts + 1, options_, random01());
  }
  if (Status recorded = store_.record_delivery(delivery.id, owner, result); !recorded) {
    std::fprintf(stderr, "atlas serve: webhooks: %s\n", recorded.error().message.c_str());
    return;
  }
  if (result.retry_after_ms > 0) {
    // The store counted the wait from its clock while recording, so from now (after the
    // record) plus a few milliseconds the delivery is surely due.
    const std::lock_guard lock(mutex_);
    retries_.push(Clock::now() + std::chrono::milliseconds(result.retry_after_ms + 5));
  }
}

}  // namespace atlas::service
