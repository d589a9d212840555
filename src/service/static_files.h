#pragma once
// The web app's built files (web/ -> <build>/apps/web/) served at / by `atlas serve`.
//
// No API key: the files are the same for everyone, and the app asks for the key itself.
// The API's paths (/v1 and below, /healthz, /readyz, /metrics, /openapi.json) are never
// served from here. A path that names no file and has no extension is a page of the
// single-page app and gets index.html; a missing file with an extension (a script, a
// style sheet) is a 404, so a browser never runs HTML as a script. Files are read per
// request (they are small and the OS caches them), with an ETag from size and modification
// time, long caching for Vite's content-hashed /assets/ and revalidation for the rest,
// and FILE.gz (written at build time) when the client accepts gzip.

#include <filesystem>
#include <string_view>

#include "service/http_server.h"

namespace atlas::service {

class StaticFiles {
 public:
  // `root` holds index.html. Use available() before serving.
  explicit StaticFiles(std::filesystem::path root);

  // Whether the folder has an index.html.
  bool available() const;
  const std::filesystem::path& root() const { return root_; }

  // Whether the request is the web app's rather than the API's: a GET outside /v1 and the
  // API's system routes.
  static bool is_web_request(const HttpRequest& request);

  HttpResponse handle(const HttpRequest& request) const;

  // The Content-Type for a file name's extension.
  static std::string_view content_type(const std::filesystem::path& file);

 private:
  std::filesystem::path root_;
};

}  // namespace atlas::service
