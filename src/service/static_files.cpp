#include "service/static_files.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "core/file_io.h"
#include "service/api.h"
#include "service/api_support.h"

namespace atlas::service {

namespace fs = std::filesystem;

namespace {

// The web app is a few small files; anything larger is not one of them.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{64} << 20;

// The app loads nothing from elsewhere and runs no inline script: a script injected
// into a page could read the API key from sessionStorage, so the policy refuses it.
// blob: images and fetches are the viewer's textures (GLTFLoader reads a GLB's embedded
// images through blob: URLs) and the preview; the splat viewer (Spark) compiles its
// WebAssembly ('wasm-unsafe-eval', which allows no JavaScript eval) and sorts splats in a
// blob: worker.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' blob:; "
    "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; worker-src 'self' blob:; object-src "
    "'none'; "
    "base-uri 'none'; frame-ancestors 'none'";

std::optional<std::string> decode_path(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out += raw[i];
      continue;
    }
    if (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(raw[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// The path's segments, or nullopt when one could leave the folder or is not a plain name
// (.., ., a NUL, a backslash, a hidden file).
std::optional<fs::path> relative_file(std::string_view url_path) {
  auto decoded = decode_path(url_path);
  if (!decoded) return std::nullopt;
  fs::path relative;
  std::size_t start = 0;
  while (start < decoded->size()) {
    std::size_t end = decoded->find('/', start);
    if (end == std::string::npos) end = decoded->size();
    const std::string segment = decoded->substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (segment.front() == '.' || segment.find('\0') != std::string::npos ||
        segment.find('\\') != std::string::npos)
      return std::nullopt;
    relative /= segment;
  }
  return relative;
}

// Whether Accept-Encoding lists gzip without q=0.
bool accepts_gzip(std::string_view header) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string item(header.substr(start, end - start));
    start = end + 1;
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    std::transform(item.begin(), item.end(), item.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string name = item.substr(0, item.find(';'));
    if (name != "gzip" && name != "*") continue;
    const std::size_t q = item.find(";q=");
    if (q == std::string::npos) return true;
    return std::strtod(item.c_str() + q + 3, nullptr) > 0;
  }
  return false;
}

// Strong validators of a file variant: its size and modification time, which a rebuild
// changes. Cheaper than hashing on every request, and the bytes do not change otherwise.
std::string etag_of(const fs::path& file, std::uintmax_t size, bool gzip) {
  std::error_code error;
  const auto time = fs::last_write_time(file, error);
  const long long ticks = error ? 0 : time.time_since_epoch().count();
  char text[80];
  std::snprintf(text, sizeof text, "\"%jx-%llx%s\"", size, ticks, gzip ? "-gz" : "");
  return text;
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  // A list of tags; W/ prefixes compare weakly, as If-None-Match does.
  std::size_t at = if_none_match.find(etag);
  return at != std::string_view::npos;
}

HttpResponse not_found(std::string_view path) {
  return error_response(404, "not_found", "no file " + std::string(path));
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {}

bool StaticFiles::available() const {
  std::error_code error;
  return fs::is_regular_file(root_ / "index.html", error);
}

bool StaticFiles::is_web_request(const HttpRequest& request) {
  if (request.method != "GET") return false;
  const std::string_view path = request.path();
  if (path.empty() || path.front() != '/') return false;
  if (path == "/v1" || path.starts_with("/v1/")) return false;
  for (const Route& route : Api::routes())
    if (!route.path.starts_with("/v1") && path == route.path) return false;
  return true;
}

std::string_view StaticFiles::content_type(const fs::path& file) {
  const std::string extension = lower_extension(file);
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "js" || extension == "mjs") return "text/javascript; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "json" || extension == "map") return "application/json";
  if (extension == "svg") return "image/svg+xml";
  if (extension == "png") return "image/png";
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "webp") return "image/webp";
  if (extension == "ico") return "image/x-icon";
  if (extension == "woff2") return "font/woff2";
  if (extension == "wasm") return "application/wasm";
  if (extension == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

HttpResponse StaticFiles::handle(const HttpRequest& request) const {
  const std::string_view path = request.path();
  auto relative = relative_file(path);
  if (!relative) return error_response(400, "bad_request", "not a file path: " + std::string(path));
  std::error_code error;
  fs::path file = root_ / *relative;
  if (relative->empty() || fs::is_directory(file, error)) file /= "index.html";
  if (!fs::is_regular_file(file, error)) {
    // A page of the app (/jobs/job_1) is index.html; a missing asset is a 404.
    if (relative->has_extension()) return not_found(path);
    file = root_ / "index.html";
  }
  const bool is_index = file.filename() == "index.html";

  fs::path variant = file;
  const bool gzip = accepts_gzip(request.header("accept-encoding")) &&
                    fs::is_regular_file(fs::path(file.string() + ".gz"), error);
  if (gzip) variant = file.string() + ".gz";
  const std::uintmax_t size = fs::file_size(variant, error);
  if (error) return not_found(path);
  const std::string etag = etag_of(variant, size, gzip);

  HttpResponse response;
  response.headers = {
      {"Content-Type", std::string(content_type(file))},
      {"ETag", etag},
      {"Vary", "Accept-Encoding"},
      {"X-Content-Type-Options", "nosniff"},
      // Vite names what is under /assets/ by its content: it never changes.
      {"Cache-Control",
       !is_index && relative->begin() != relative->end() && *relative->begin() == "assets"
           ? "public, max-age=31536000, immutable"
           : "no-cache"},
  };
  if (is_index) {
    response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  if (etag_matches(request.header("if-none-match"), etag)) {
    response.status = 304;
    return response;
  }
  auto bytes = read_file(variant, kMaxFileBytes);
  if (!bytes) return error_response(500, "storage", bytes.error().message);
  response.status = 200;
  response.body.assign(bytes->begin(), bytes->end());
  return response;
}

}  // namespace atlas::service
