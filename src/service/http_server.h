#pragma once
// An asynchronous HTTP/1.1 server for the API. Handlers see plain structs, never the
// HTTP library: only http_server.cpp includes Boost.Beast, which costs seconds of
// compile time in every file that includes it.
//
// A few I/O threads serve every connection; no thread waits on a client. A client that
// sends its headers or its body too slowly is disconnected when the timeout passes, and
// a body over the limit is refused (413) without being read, so slow or hostile clients
// cannot hold threads or memory. Connections are kept alive between requests.
//
// Handlers run on the I/O threads, so they must not block for long: the API's handlers
// do quick database work and file reads and leave pipelines to the job workers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace atlas::service {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: path, then '?' and the query
  HttpHeaders headers;  // names in lower case
  std::string body;

  // The first header with that lower-case name, or "" when there is none.
  std::string_view header(std::string_view lower_name) const;
  std::string_view path() const;   // the target before '?'
  std::string_view query() const;  // after '?', "" when none
};

// One poll of a streamed response: data to send now (may be empty) and whether the
// stream is over, after which the connection closes.
struct StreamChunk {
  std::string data;
  bool done = false;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  // Set for server-sent events: after the headers and `body`, the server calls it on an
  // I/O thread every stream_poll until it returns done or the client goes away. It must
  // return quickly. Streamed responses end by closing the connection.
  std::function<StreamChunk()> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port)
  int io_threads = 2;
  std::uint64_t max_body_bytes = std::uint64_t{512} << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // from the first byte to the last header
  std::chrono::milliseconds body_timeout{120'000};   // for the whole body
  std::chrono::milliseconds idle_timeout{75'000};    // keep-alive: between requests
  std::chrono::milliseconds write_timeout{60'000};
  std::chrono::milliseconds stream_poll{100};
  std::chrono::milliseconds stream_keepalive{15'000};  // an SSE comment when quiet that long
};

class HttpServer {
 public:
  // Binds host:port and starts the I/O threads. Fails when the address is unusable or
  // taken; the message names it.
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting, closes every connection and joins the I/O threads. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The standard reason phrase of a status code ("Not Found").
const char* status_reason(int status);

}  // namespace atlas::service
