// The HTTP server on its own: timeouts for slow clients, the body limit, keep-alive and
// streamed responses, over raw sockets so nothing hides what goes over the wire.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "service/http_server.h"

namespace atlas::service {
namespace {

using namespace std::chrono_literals;

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  void send_text(const std::string& text) {
    EXPECT_EQ(send(fd_, text.data(), text.size(), MSG_NOSIGNAL), ssize_t(text.size()));
  }
  // Reads until `marker` arrived or the server closed; what came.
  std::string read_until(const std::string& marker) {
    std::string text;
    char buffer[4096];
    while (marker.empty() || text.find(marker) == std::string::npos) {
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = n == 0;
        break;
      }
      text.append(buffer, std::size_t(n));
    }
    return text;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

std::unique_ptr<HttpServer> start(HttpServerOptions options, HttpHandler handler) {
  options.port = 0;
  auto server = HttpServer::start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
  return std::move(server.value());
}

HttpResponse echo(const HttpRequest& request) {
  return {200,
          {{"Content-Type", "text/plain"}},
          request.method + " " + request.target + " " + std::to_string(request.body.size()),
          {}};
}

TEST(HttpServer, KeepsConnectionsAliveBetweenRequests) {
  auto server = start({}, echo);
  RawClient client(server->port());
  ASSERT_TRUE(client.connected());
  client.send_text("GET /a?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(client.read_until("GET /a?x=1 0").find("HTTP/1.1 200 OK"), std::string::npos);
  client.send_text("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(client.read_until("POST /b 5").find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_FALSE(client.closed());
}

TEST(HttpServer, DisconnectsAClientThatSendsItsHeadersTooSlowly) {
  HttpServerOptions options;
  options.header_timeout = 200ms;
  auto server = start(options, echo);
  RawClient slow(server->port());
  slow.send_text("GET / HTTP/1.1\r\nHost: t\r\n");  // never finished
  const auto started = std::chrono::steady_clock::now();
  slow.read_until("");
  EXPECT_TRUE(slow.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  // Others are served meanwhile and after.
  RawClient other(server->port());
  other.send_text("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(other.read_until("GET /ok 0").find("200 OK"), std::string::npos);
}

TEST(HttpServer, RefusesABodyOverTheLimitWithoutReadingIt) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  std::atomic<int> handled{0};
  auto server = start(options, [&](const HttpRequest& request) {
    ++handled;
    return echo(request);
  });
  RawClient client(server->port());
  client.send_text("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\r\nabc");
  const std::string answer = client.read_until("");
  EXPECT_NE(answer.find("HTTP/1.1 413"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"code\":\"body_too_large\""), std::string::npos);
  EXPECT_EQ(handled, 0);
  RawClient garbage(server->port());
  garbage.send_text("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(garbage.read_until("").find("HTTP/1.1 400"), std::string::npos);
}

TEST(HttpServer, StreamsUntilTheSourceIsDone) {
  HttpServerOptions options;
  options.stream_poll = 5ms;
  auto server = start(options, [](const HttpRequest&) {
    auto count = std::make_shared<int>(0);
    HttpResponse response{200, {{"Content-Type", "text/event-stream"}}, "start\n", {}};
    response.stream = [count]() -> StreamChunk {
      ++*count;
      if (*count % 2) return {"", false};  // nothing new this time
      return {"data: " + std::to_string(*count / 2) + "\n\n", *count >= 6};
    };
    return response;
  });
  RawClient client(server->port());
  client.send_text("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string text = client.read_until("");
  EXPECT_TRUE(client.closed());
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(text.find("start\ndata: 1\n\ndata: 2\n\ndata: 3\n\n"), std::string::npos) << text;
}

TEST(HttpServer, FailsToListenOnABadAddressNamingIt) {
  HttpServerOptions options;
  options.host = "not-an-ip";
  auto server = HttpServer::start(options, echo);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("not-an-ip"), std::string::npos);
}

}  // namespace
}  // namespace atlas::service
