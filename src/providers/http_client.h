#pragma once
// A small blocking HTTP client over libcurl for the providers' REST APIs. Connections
// are kept alive and reused across requests (and threads) through a pool of curl
// handles; HTTP/2 is negotiated over TLS where the server offers it; certificates and
// host names are always verified. Request headers (which carry API keys) never appear
// in any error message this file produces. libcurl itself is loaded on the first request
// (providers/curl_library.h).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "providers/expected.h"

namespace atlas::providers {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One part of a multipart/form-data body: a form field, or a file when `filename` is set.
struct MultipartPart {
  std::string name;
  std::string data;
  std::string filename;
  std::string content_type;
};

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  HttpHeaders headers;
  // POST bodies: `parts` (sent as multipart/form-data) when not empty, else `body` as is
  // (give its content-type in `headers`).
  std::string body;
  std::vector<MultipartPart> parts;
  std::chrono::milliseconds connect_timeout{10'000};
  // The whole exchange, from connecting to the last byte of the body.
  std::chrono::milliseconds timeout{60'000};
  // Larger bodies fail with HttpFailure::TooLarge without being kept in memory.
  std::size_t max_body_bytes = std::size_t{512} << 20;
  // Polled while the transfer runs; turning true aborts it with HttpFailure::Cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // of the final response, names as the server sent them
  Bytes body;

  // The first header of that name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
  std::string body_text() const { return std::string(body.begin(), body.end()); }
};

// Why no response came back. Whether the server may have acted on the request decides
// what a caller can safely retry: `Connect` means the request never left this machine.
enum class HttpFailure {
  Connect,    // name resolution or TCP connect failed: nothing was sent
  Tls,        // TLS handshake or certificate verification failed: nothing was sent
  Timeout,    // the timeout passed; the request may have been received
  Dropped,    // the connection broke or the body was cut short after sending
  TooLarge,   // the body exceeded max_body_bytes
  Cancelled,  // the cancel flag turned true
  Other,      // anything else libcurl reports (a malformed URL, out of memory)
};

struct HttpError {
  HttpFailure failure = HttpFailure::Other;
  // Whether any byte of the request was sent; false means retrying cannot duplicate it.
  bool request_sent = false;
  std::string message;  // libcurl's description, with the host but never a header
};

using HttpResult = Expected<HttpResponse, HttpError>;

// Thread-safe: requests from several threads run at once, each on its own handle.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request and returns the server's answer whatever its status (4xx and
  // 5xx are responses, not errors), or why there was none. Redirects are not followed.
  HttpResult perform(const HttpRequest& request) const;

 private:
  class HandlePool;
  std::unique_ptr<HandlePool> pool_;
};

}  // namespace atlas::providers
