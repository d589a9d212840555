// Webhooks in the API: a job's delivery log (GET /v1/jobs/{id}/webhooks) and the
// tenant's signing secret (GET /v1/webhook-secret).

#include "service/api_support.h"

namespace atlas::service {

namespace {

Json delivery_json(const WebhookDelivery& delivery) {
  Json attempts = Json::array();
  for (const DeliveryAttempt& attempt : delivery.log)
    attempts.push_back(
        {{"attempt", attempt.attempt},
         {"time", iso_time(attempt.time_ms)},
         {"http_status", attempt.http_status == 0 ? Json(nullptr) : Json(attempt.http_status)},
         {"error", attempt.error.empty() ? Json(nullptr) : Json(attempt.error)},
         {"duration_ms", attempt.duration_ms}});
  // The payload is stored as the text that is sent; shown as the object it is.
  Json payload = Json::parse(delivery.payload, nullptr, false);
  return {{"id", delivery.id},
          {"event_id", delivery.event_seq},
          {"url", delivery.url},
          {"state", to_string(delivery.state)},
          {"attempts", delivery.attempts},
          {"next_attempt_at", delivery.state == DeliveryState::Pending
                                  ? iso_time(delivery.next_attempt_ms)
                                  : Json(nullptr)},
          {"created_at", iso_time(delivery.created_ms)},
          {"delivered_at", iso_time(delivery.delivered_ms)},
          {"payload", payload.is_discarded() ? Json(delivery.payload) : payload},
          {"attempt_log", attempts}};
}

}  // namespace

HttpResponse job_webhooks(const Api::Call& call) {
  auto found = tenant_job(call);
  if (auto* error = std::get_if<HttpResponse>(&found)) return std::move(*error);
  const Job& job = std::get<Job>(found);
  auto deliveries = call.store.list_deliveries(call.key.tenant_id, job.id);
  if (!deliveries) return storage_error(deliveries.error());
  Json list = Json::array();
  for (const WebhookDelivery& delivery : *deliveries) list.push_back(delivery_json(delivery));
  return json_response(
      200, {{"job_id", job.id},
            {"webhook_url", job.webhook_url.empty() ? Json(nullptr) : Json(job.webhook_url)},
            {"deliveries", list}});
}

HttpResponse get_webhook_secret(const Api::Call& call) {
  auto secret = call.store.webhook_secret(call.key.tenant_id);
  if (!secret) return storage_error(secret.error());
  HttpResponse response = json_response(200, {{"secret", *secret}});
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace atlas::service
