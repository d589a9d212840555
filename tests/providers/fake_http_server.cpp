#include "fake_http_server.h"

#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace atlas::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// The headers with the full Content-Length, then half the body, then the end.
void write_truncated(tcp::socket& socket, const FakeResponse& response) {
  std::string head = "HTTP/1.1 " + std::to_string(response.result_int()) + " " +
                     std::string(response.reason()) + "\r\n";
  for (const auto& field : response)
    head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
  head += "\r\n";
  head += response.body().substr(0, response.body().size() / 2);
  boost::system::error_code ignored;
  asio::write(socket, asio::buffer(head), ignored);
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler, std::uint64_t max_body_bytes)
    : handler_(std::move(handler)),
      max_body_bytes_(max_body_bytes),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  accept_thread_ = std::thread([this] { accept_loop(); });
}

FakeHttpServer::~FakeHttpServer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    // shutdown() wakes the threads blocked in accept() and read() without touching the
    // asio objects they own.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    for (int socket : open_sockets_) ::shutdown(socket, SHUT_RDWR);
  }
  woken_.notify_all();
  accept_thread_.join();
  for (std::thread& connection : connections_) connection.join();
}

std::string FakeHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

bool FakeHttpServer::sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !woken_.wait_for(lock, duration, [this] { return stopping_; });
}

void FakeHttpServer::accept_loop() {
  for (;;) {
    tcp::socket socket(io_);
    boost::system::error_code error;
    acceptor_.accept(socket, error);
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (error) continue;
    ++connections_accepted_;
    open_sockets_.insert(socket.native_handle());
    connections_.emplace_back(
        [this, connection = std::move(socket)]() mutable { serve(std::move(connection)); });
  }
}

void FakeHttpServer::serve(tcp::socket socket) {
  // Beast writes a response's header and body separately: with Nagle's algorithm the
  // body would wait for the client's delayed ACK (40 ms), which no real server does.
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes_);
    boost::system::error_code error;
    http::read(socket, buffer, parser, error);
    if (error) break;
    const FakeRequest request = parser.release();
    FakeReply reply = handler_(request);
    if (!reply.response) break;
    FakeResponse& response = *reply.response;
    response.keep_alive(request.keep_alive());
    if (reply.truncate) {
      write_truncated(socket, response);
      break;
    }
    http::write(socket, response, error);
    if (error || !request.keep_alive()) break;
  }
  {
    const std::lock_guard lock(mutex_);
    open_sockets_.erase(socket.native_handle());
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace atlas::test
