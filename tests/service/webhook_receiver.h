#pragma once
// A webhook receiver for the service tests: a real HTTP server on loopback
// (tests/providers/fake_http_server) that records every request it gets and answers
// 500 to the first `fail_first` of them, 200 after.

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_http_server.h"

namespace atlas::test {

class WebhookReceiver {
 public:
  struct Received {
    std::chrono::steady_clock::time_point at;
    std::string target;
    std::string content_type;
    std::string webhook_id;
    std::string signature;
    std::string body;
    int answered = 0;  // the status sent back
  };

  explicit WebhookReceiver(int fail_first = 0)
      : fail_first_(fail_first),
        server_([this](const FakeRequest& request) { return receive(request); }, 1 << 20) {}

  std::string url() const { return server_.base_url() + "/hooks/atlas"; }

  std::vector<Received> received() const {
    const std::lock_guard lock(mutex_);
    return received_;
  }
  // Waits (up to `timeout`) until `count` requests were answered 200; the requests.
  std::vector<Received> wait_for_delivered(std::size_t count, std::chrono::seconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::vector<Received> all = received();
      std::size_t delivered = 0;
      for (const Received& request : all) delivered += request.answered == 200;
      if (delivered >= count || std::chrono::steady_clock::now() > end) return all;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  FakeReply receive(const FakeRequest& request) {
    namespace http = boost::beast::http;
    Received got;
    got.at = std::chrono::steady_clock::now();
    got.target = std::string(request.target());
    got.content_type = std::string(request[http::field::content_type]);
    got.webhook_id = std::string(request["Atlas-Webhook-Id"]);
    got.signature = std::string(request["Atlas-Signature"]);
    got.body = request.body();
    const std::lock_guard lock(mutex_);
    got.answered = int(received_.size()) < fail_first_ ? 500 : 200;
    FakeResponse response(
        got.answered == 200 ? http::status::ok : http::status::internal_server_error,
        request.version());
    response.set(http::field::content_type, "text/plain");
    response.body() = got.answered == 200 ? "thanks" : "not now";
    response.prepare_payload();
    received_.push_back(std::move(got));
    return {std::move(response), false};
  }

  const int fail_first_;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  FakeHttpServer server_;  // last: its threads call receive() until it is destroyed
};

}  // namespace atlas::test
