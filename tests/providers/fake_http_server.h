#pragma once
// The socket side of the fake services (fake_gateway, fake_model_service): a blocking
// HTTP/1.1 server on 127.0.0.1 at an ephemeral port, a thread a connection, keep-alive,
// and the two wire faults a flaky service shows: a connection dropped instead of an
// answer, and an answer whose body stops half-way. Each fake keeps its routes and state
// and hands every request to its handler here.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace atlas::test {

using FakeRequest = boost::beast::http::request<boost::beast::http::string_body>;
using FakeResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What a connection does with one request.
struct FakeReply {
  std::optional<FakeResponse> response;  // none: drop the connection without answering
  bool truncate = false;  // send the headers (full Content-Length) and half the body, then close
};

class FakeHttpServer {
 public:
  // Called from the connection threads, several at once.
  using Handler = std::function<FakeReply(const FakeRequest& request)>;

  // Listens at once; requests with bodies over `max_body_bytes` end their connection.
  FakeHttpServer(Handler handler, std::uint64_t max_body_bytes);
  // Stops: wakes the threads blocked in accept and read, and sleep()s, and joins them.
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:<port>
  int connections_accepted() const { return connections_accepted_.load(); }

  // For handlers that answer late: sleeps unless the server stops first; false when it
  // stops (the handler should then drop the connection).
  bool sleep(std::chrono::milliseconds duration);

 private:
  void accept_loop();
  void serve(boost::asio::ip::tcp::socket socket);

  Handler handler_;
  std::uint64_t max_body_bytes_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread accept_thread_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool stopping_ = false;
  std::vector<std::thread> connections_;
  std::set<int> open_sockets_;
  std::atomic<int> connections_accepted_{0};
};

}  // namespace atlas::test
