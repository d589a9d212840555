#include "providers/gateway_error.h"

namespace atlas::providers {

const char* to_string(GatewayErrorCode code) {
  switch (code) {
    case GatewayErrorCode::BadRequest:
      return "bad_request";
    case GatewayErrorCode::Unauthorized:
      return "unauthorized";
    case GatewayErrorCode::InsufficientBalance:
      return "insufficient_balance";
    case GatewayErrorCode::RateLimited:
      return "rate_limited";
    case GatewayErrorCode::QueueFull:
      return "queue_full";
    case GatewayErrorCode::NotFound:
      return "not_found";
    case GatewayErrorCode::GenerationFailed:
      return "generation_failed";
    case GatewayErrorCode::Timeout:
      return "timeout";
    case GatewayErrorCode::ConnectionDropped:
      return "connection_dropped";
    case GatewayErrorCode::Unreachable:
      return "unreachable";
    case GatewayErrorCode::CorruptPayload:
      return "corrupt_payload";
    case GatewayErrorCode::ServerError:
      return "server_error";
    case GatewayErrorCode::Cancelled:
      return "cancelled";
    case GatewayErrorCode::NotConfigured:
      break;
  }
  return "not_configured";
}

}  // namespace atlas::providers
