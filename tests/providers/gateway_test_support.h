#pragma once
// What the provider tests share: the fake gateway's client with the gateway's timings
// scaled down so a whole generation takes milliseconds.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fake_gateway.h"
#include "providers/gateway_client.h"

namespace atlas::test {

using namespace std::chrono_literals;

inline providers::GatewayTiming fast_timing() {
  providers::GatewayTiming timing;
  timing.poll_interval_min = 2ms;
  timing.poll_interval_max = 5ms;
  timing.connect_timeout = 2s;
  timing.request_timeout = 5s;
  timing.download_timeout = 10s;
  timing.task_deadline = 5s;
  timing.result_lifetime = 5s;
  timing.lifetime_margin = 1s;
  timing.backoff_base = 2ms;
  timing.backoff_max = 10ms;
  timing.max_retry_after = 5s;
  timing.max_attempts = 3;
  return timing;
}

inline providers::GatewayConfig config_for(const FakeGateway& gateway) {
  providers::GatewayConfig config;
  config.api_key = gateway.api_key();
  config.base_urls = {gateway.base_url()};
  return config;
}

inline std::shared_ptr<providers::GatewayClient> client_for(
    const FakeGateway& gateway, providers::GatewayTiming timing = fast_timing()) {
  return std::make_shared<providers::GatewayClient>(config_for(gateway), timing);
}

}  // namespace atlas::test
