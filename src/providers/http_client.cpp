#include "providers/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

#include "providers/curl_library.h"
#include "providers/http_exchange.h"

namespace atlas::providers {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// What the callbacks of one transfer share.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.response.body.size() + bytes > transfer.request->max_body_bytes) {
    transfer.too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  transfer.response.body.insert(transfer.response.body.end(), data, data + bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  // A status line starts a new response (after a 100 Continue): keep the last one only.
  if (line.starts_with("HTTP/")) {
    transfer.response.headers.clear();
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  const std::string_view name = trimmed(line.substr(0, colon));
  const std::string_view value = trimmed(line.substr(colon + 1));
  // Growing a multi-megabyte body by doubling copies it again and again.
  std::size_t length = 0;
  if (equal_ignoring_case(name, "content-length") &&
      std::from_chars(value.data(), value.data() + value.size(), length).ec == std::errc())
    transfer.response.body.reserve(std::min(length, transfer.request->max_body_bytes));
  transfer.response.headers.emplace_back(std::string(name), std::string(value));
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& transfer = *static_cast<const Transfer*>(user);
  const std::atomic<bool>* cancel = transfer.request->cancel;
  return cancel && cancel->load() ? 1 : 0;
}

HttpFailure classify(CURLcode code, bool too_large) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return HttpFailure::Connect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return HttpFailure::Tls;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpFailure::Timeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpFailure::Cancelled;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpFailure::TooLarge;
    case CURLE_WRITE_ERROR:
      return too_large ? HttpFailure::TooLarge : HttpFailure::Other;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return HttpFailure::Dropped;
    default:
      return HttpFailure::Other;
  }
}

struct MimeDeleter {
  const CurlLibrary* curl;
  void operator()(curl_mime* mime) const { curl->mime_free(mime); }
};
struct HeaderListDeleter {
  const CurlLibrary* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (equal_ignoring_case(key, name)) return value;
  return {};
}

// Idle easy handles keep their connections open (curl_easy_reset leaves the connection
// cache alone), so taking a handle from the pool reuses a live connection to the host.
class HttpClient::HandlePool {
 public:
  ~HandlePool() {
    if (idle_.empty()) return;  // libcurl may never have been loaded
    const CurlLibrary* curl = curl_library().value();
    for (CURL* handle : idle_) curl->easy_cleanup(handle);
  }

  CURL* take(const CurlLibrary& curl) {
    {
      const std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl.easy_init();
  }

  void give_back(const CurlLibrary& curl, CURL* handle) {
    curl.easy_reset(handle);
    const std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

HttpClient::HttpClient() : pool_(std::make_unique<HandlePool>()) {}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::perform(const HttpRequest& request) const {
  const Result<const CurlLibrary*> library = curl_library();
  if (!library) return HttpError{HttpFailure::Other, false, library.error().message};
  const CurlLibrary& curl = **library;
  CURL* handle = pool_->take(curl);
  if (!handle) return HttpError{HttpFailure::Other, false, "libcurl could not start a transfer"};
  struct GiveBack {
    HandlePool& pool;
    const CurlLibrary& curl;
    CURL* handle;
    ~GiveBack() { pool.give_back(curl, handle); }
  } give_back{*pool_, curl, handle};

  Transfer transfer;
  transfer.request = &request;
  char error_text[CURL_ERROR_SIZE] = {};

  curl.easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl.easy_setopt(handle, CURLOPT_HTTP_VERSION, long{CURL_HTTP_VERSION_2TLS});
  curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, long(request.connect_timeout.count()));
  curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, long(request.timeout.count()));
  curl.easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.max_body_bytes));
  curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl.easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl.easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl.easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);

  std::unique_ptr<curl_slist, HeaderListDeleter> header_list(nullptr, HeaderListDeleter{&curl});
  auto add_header = [&](const std::string& line) {
    header_list.reset(curl.slist_append(header_list.release(), line.c_str()));
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  // libcurl would otherwise wait up to a second for "100 Continue" before sending a
  // large body; the APIs this client talks to answer directly.
  add_header("Expect:");

  std::unique_ptr<curl_mime, MimeDeleter> mime(nullptr, MimeDeleter{&curl});
  if (request.method == "POST") {
    if (!request.parts.empty()) {
      mime.reset(curl.mime_init(handle));
      for (const MultipartPart& part : request.parts) {
        curl_mimepart* field = curl.mime_addpart(mime.get());
        curl.mime_name(field, part.name.c_str());
        curl.mime_data(field, part.data.data(), part.data.size());
        if (!part.filename.empty()) curl.mime_filename(field, part.filename.c_str());
        if (!part.content_type.empty()) curl.mime_type(field, part.content_type.c_str());
      }
      curl.easy_setopt(handle, CURLOPT_MIMEPOST, mime.get());
    } else {
      curl.easy_setopt(handle, CURLOPT_POST, 1L);
      curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
      curl.easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    }
  } else if (request.method != "GET") {
    return HttpError{HttpFailure::Other, false, "unsupported HTTP method " + request.method};
  }
  curl.easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());

  const CURLcode code = curl.easy_perform(handle);
  if (code != CURLE_OK) {
    long request_bytes = 0;
    curl.easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_bytes);
    const HttpFailure failure = classify(code, transfer.too_large);
    std::string message = error_text[0] ? error_text : curl.easy_strerror(code);
    if (failure == HttpFailure::TooLarge)
      message = "the response is larger than " + std::to_string(request.max_body_bytes) + " bytes";
    const bool nothing_sent = failure == HttpFailure::Connect || failure == HttpFailure::Tls;
    return HttpError{failure, !nothing_sent && request_bytes > 0, std::move(message)};
  }
  curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace atlas::providers
