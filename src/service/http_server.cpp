#include "service/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace atlas::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

std::string_view HttpRequest::path() const {
  const std::string_view view = target;
  return view.substr(0, view.find('?'));
}

std::string_view HttpRequest::query() const {
  const std::size_t mark = target.find('?');
  return mark == std::string::npos ? std::string_view() : std::string_view(target).substr(mark + 1);
}

const char* status_reason(int status) {
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return reason.empty() ? "Unknown" : reason.data();  // Beast's reasons are string literals
}

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string error_body(const std::string& code, const std::string& message) {
  return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options, const HttpHandler& handler)
      : stream_(std::move(socket)),
        options_(options),
        handler_(handler),
        timer_(stream_.get_executor()) {}

  void start() { read_header(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(first_request_ ? options_.header_timeout : options_.idle_timeout);
    first_request_ = false;
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse(413, "body_too_large");
    if (ec == http::error::header_limit) return refuse(431, "headers_too_large");
    // A client that went away or was too slow gets no answer; one that sent something
    // other than HTTP is told so.
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      return close();
    if (ec) return refuse(400, "bad_request");
    const auto& header = parser_->get();
    if (const auto length = parser_->content_length(); length && *length > options_.max_body_bytes)
      return refuse(413, "body_too_large");
    stream_.expires_after(options_.body_timeout);
    if (beast::iequals(header[http::field::expect], "100-continue") && !parser_->is_done()) {
      auto reply = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      asio::async_write(stream_, asio::buffer(*reply),
                        [self = shared_from_this(), reply](beast::error_code error, std::size_t) {
                          if (error) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse(413, "body_too_large");
    if (ec) return close();
    auto message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message)
      request.headers.emplace_back(
          lower(std::string_view(field.name_string().data(), field.name_string().size())),
          std::string(field.value()));
    request.body = std::move(message.body());
    keep_alive_ = message.keep_alive();
    HttpResponse response;
    try {
      response = handler_(request);
    } catch (const std::exception& error) {
      response = HttpResponse{500,
                              {{"Content-Type", "application/json"}},
                              error_body("internal", "the request handler failed"),
                              {}};
    }
    if (response.stream) return start_stream(std::move(response));
    respond(std::move(response));
  }

  void respond(HttpResponse response) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    stream_.expires_after(options_.write_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->close();
                        self->read_header();
                      });
  }

  // Answers an unreadable request and closes: the rest of it is not worth reading.
  void refuse(int status, const std::string& code) {
    keep_alive_ = false;
    std::string message = status == 413   ? "the request body is larger than the limit"
                          : status == 431 ? "the request headers are larger than the limit"
                                          : "the request is not valid HTTP/1.1";
    respond({status, {{"Content-Type", "application/json"}}, error_body(code, message), {}});
  }

  void start_stream(HttpResponse response) {
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                       status_reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "Connection: close\r\n\r\n" + response.body;
    next_ = std::move(response.stream);
    last_write_ = std::chrono::steady_clock::now();
    write_stream(std::move(head), false);
  }

  void write_stream(std::string data, bool done) {
    auto buffer = std::make_shared<std::string>(std::move(data));
    stream_.expires_after(options_.write_timeout);
    asio::async_write(stream_, asio::buffer(*buffer),
                      [self = shared_from_this(), buffer, done](beast::error_code ec, std::size_t) {
                        if (ec || done) return self->close();
                        self->wait_stream();
                      });
  }

  void wait_stream() {
    stream_.expires_never();
    timer_.expires_after(options_.stream_poll);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->poll_stream();
    });
  }

  void poll_stream() {
    StreamChunk chunk;
    try {
      chunk = next_();
    } catch (const std::exception&) {
      chunk.done = true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (chunk.data.empty() && !chunk.done) {
      if (now - last_write_ < options_.stream_keepalive) return wait_stream();
      chunk.data = ": keep-alive\n\n";
    }
    last_write_ = now;
    write_stream(std::move(chunk.data), chunk.done);
  }

  void close() {
    beast::error_code ignored;
    timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool first_request_ = true;
  bool keep_alive_ = true;
  std::function<StreamChunk()> next_;
  std::chrono::steady_clock::time_point last_write_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context context;
  tcp::acceptor acceptor{context};
  std::vector<std::thread> threads;
  std::once_flag stopped;
  int port = 0;

  void accept() {
    acceptor.async_accept(
        asio::make_strand(context), [this](beast::error_code ec, tcp::socket socket) {
          if (!acceptor.is_open()) return;
          if (!ec) {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<Session>(std::move(socket), options, handler)->start();
          }
          accept();
        });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  const std::string where = options.host + ":" + std::to_string(options.port);
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return make_error("--listen " + where + ": '" + options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("cannot listen on " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  for (int i = 0; i < std::max(1, options.io_threads); ++i)
    impl->threads.emplace_back([context = &impl->context] { context->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->context.stop();
    for (std::thread& thread : impl_->threads) thread.join();
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
}

}  // namespace atlas::service
