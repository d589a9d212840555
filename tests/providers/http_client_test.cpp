#include "providers/http_client.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include "fake_gateway.h"

namespace atlas::providers {
namespace {

using namespace std::chrono_literals;
using test::FakeEndpoint;
using test::FakeFault;
using test::FakeGateway;

HttpRequest get(const FakeGateway& gateway, const std::string& path) {
  HttpRequest request;
  request.url = gateway.base_url() + path;
  request.headers = {{"x-api-key", gateway.api_key()}};
  return request;
}

std::string create_task(const HttpClient& client, const FakeGateway& gateway) {
  HttpRequest request = get(gateway, "/add_task");
  request.method = "POST";
  request.headers.emplace_back("content-type", "application/json");
  request.body = R"({"prompt": "a hamburger"})";
  const HttpResult answer = client.perform(request);
  EXPECT_TRUE(answer.ok());
  if (!answer) return {};
  EXPECT_EQ(answer->status, 200);
  return nlohmann::json::parse(answer->body_text())["id"].get<std::string>();
}

bool libcurl_loaded() {
  void* library = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);
  if (library) dlclose(library);  // drops the reference RTLD_NOLOAD took
  return library != nullptr;
}

// What keeps libcurl's ~25 libraries out of the start-up of commands that make no request.
TEST(HttpClient, LoadsLibcurlOnItsFirstRequestOnly) {
  // Runs the check in a fresh process of this program, where no test has made a request.
  const std::string style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const HttpClient client;
        if (libcurl_loaded()) std::exit(1);
        HttpRequest refused;
        refused.url = "http://127.0.0.1:1/";
        const HttpResult answer = client.perform(refused);
        std::exit(!answer.ok() && libcurl_loaded() ? 0 : 2);
      },
      testing::ExitedWithCode(0), "");
  GTEST_FLAG_SET(death_test_style, style);
}

TEST(HttpClient, ReturnsErrorStatusesAsResponsesWithTheirHeaders) {
  FakeGateway gateway;
  const HttpClient client;
  const HttpResult answer = client.perform(get(gateway, "/get_status?id=nope"));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->body_text(), "Task not found");
  EXPECT_EQ(answer->header("CONTENT-TYPE"), "text/plain; charset=utf-8");
  EXPECT_EQ(answer->header("x-missing"), "");
}

TEST(HttpClient, SendsMultipartBodies) {
  FakeGateway gateway;
  const HttpClient client;
  HttpRequest request = get(gateway, "/add_task");
  request.method = "POST";
  request.parts = {{"prompt", "a wooden chair", "", ""}, {"seed", "12", "", ""}};
  const HttpResult answer = client.perform(request);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->status, 200) << answer->body_text();
  const test::FakeAddTask sent = gateway.add_tasks().at(0);
  EXPECT_EQ(sent.content_type, "multipart/form-data");
  EXPECT_EQ(sent.prompt, "a wooden chair");
  EXPECT_EQ(sent.seed, 12);
}

TEST(HttpClient, RefusesBodiesOverTheLimit) {
  FakeGateway gateway;
  const HttpClient client;
  const std::string id = create_task(client, gateway);
  HttpRequest request = get(gateway, "/get_result?id=" + id);
  request.max_body_bytes = 1000;
  const HttpResult answer = client.perform(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::TooLarge);
  EXPECT_EQ(answer.error().message, "the response is larger than 1000 bytes");
}

TEST(HttpClient, SaysWhetherTheRequestWasSent) {
  FakeGateway gateway;
  const HttpClient client;
  HttpRequest refused;
  refused.url = "http://127.0.0.1:1/get_status?id=x";
  HttpResult answer = client.perform(refused);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::Connect);
  EXPECT_FALSE(answer.error().request_sent);

  gateway.inject(FakeEndpoint::GetStatus, FakeFault::drop());
  answer = client.perform(get(gateway, "/get_status?id=x"));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::Dropped);
  EXPECT_TRUE(answer.error().request_sent);

  gateway.inject(FakeEndpoint::GetStatus, FakeFault::slow(10s));
  HttpRequest slow = get(gateway, "/get_status?id=x");
  slow.timeout = 100ms;
  answer = client.perform(slow);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::Timeout);
  EXPECT_TRUE(answer.error().request_sent);
  EXPECT_EQ(answer.error().message.find(gateway.api_key()), std::string::npos);
}

TEST(HttpClient, DetectsATruncatedBody) {
  FakeGateway gateway;
  const HttpClient client;
  const std::string id = create_task(client, gateway);
  gateway.inject(FakeEndpoint::GetResult, FakeFault::truncate());
  const HttpResult answer = client.perform(get(gateway, "/get_result?id=" + id));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::Dropped);
}

TEST(HttpClient, StopsWhenCancelled) {
  FakeGateway gateway;
  const HttpClient client;
  const std::atomic<bool> cancel{true};
  HttpRequest request = get(gateway, "/get_status?id=x");
  request.cancel = &cancel;
  const HttpResult answer = client.perform(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().failure, HttpFailure::Cancelled);

  request.cancel = nullptr;
  request.method = "DELETE";
  const HttpResult unsupported = client.perform(request);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.error().failure, HttpFailure::Other);
}

}  // namespace
}  // namespace atlas::providers
