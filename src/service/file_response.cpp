// Stored files as answers to GET: artifacts, their ZIP and uploaded assets.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "core/file_io.h"
#include "service/api_support.h"

namespace atlas::service {

namespace {

std::string content_type(const std::string& name) {
  const std::string extension = lower_extension(name);
  if (extension == "glb") return "model/gltf-binary";
  if (extension == "gltf") return "model/gltf+json";
  if (extension == "json") return "application/json";
  if (extension == "png") return "image/png";
  if (extension == "zip") return "application/zip";
  if (extension == "usdz") return "model/vnd.usdz+zip";
  if (extension == "obj" || extension == "mtl") return "text/plain";
  return "application/octet-stream";
}

// One range of "bytes=first-last", "bytes=first-" or "bytes=-suffix" within `size`:
// [begin, end). nullopt: unsatisfiable or a form this server does not serve (several
// ranges).
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(std::string_view header,
                                                                   std::uint64_t size) {
  if (header.substr(0, 6) != "bytes=") return std::nullopt;
  header.remove_prefix(6);
  const std::size_t dash = header.find('-');
  if (dash == std::string_view::npos || header.find(',') != std::string_view::npos)
    return std::nullopt;
  const auto number = [](std::string_view text) -> std::optional<std::uint64_t> {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + std::uint64_t(c - '0');
    }
    return value;
  };
  const std::string_view first_text = header.substr(0, dash), last_text = header.substr(dash + 1);
  if (first_text.empty()) {
    const auto suffix = number(last_text);
    if (!suffix || *suffix == 0 || size == 0) return std::nullopt;
    return std::pair{size - std::min(*suffix, size), size};
  }
  const auto first = number(first_text);
  if (!first || *first >= size) return std::nullopt;
  if (last_text.empty()) return std::pair{*first, size};
  const auto last = number(last_text);
  if (!last || *last < *first) return std::nullopt;
  return std::pair{*first, std::min(*last + 1, size)};
}

}  // namespace

HttpResponse file_response(const Api::Call& call, const std::filesystem::path& path,
                           const std::string& version, const std::string& name) {
  const std::string etag = "\"" + version + "\"";
  HttpResponse response;
  response.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"}, {"Cache-Control", "private"}};
  const std::string_view if_none_match = call.request.header("if-none-match");
  if (!if_none_match.empty() &&
      (if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos)) {
    response.status = 304;
    return response;
  }
  auto bytes = read_file(path);
  if (!bytes) return storage_error(bytes.error());
  response.headers.emplace_back("Content-Type", content_type(name));
  const std::string_view range = call.request.header("range");
  // If-Range with another version's tag: the whole file, as the client's part is stale.
  const std::string_view if_range = call.request.header("if-range");
  if (!range.empty() && (if_range.empty() || if_range == etag)) {
    const auto span = parse_range(range, bytes->size());
    if (!span) {
      HttpResponse refused =
          error_response(416, "range_not_satisfiable",
                         "Range: '" + std::string(range) + "' is not one range within the " +
                             std::to_string(bytes->size()) + " bytes");
      refused.headers.emplace_back("Content-Range", "bytes */" + std::to_string(bytes->size()));
      return refused;
    }
    response.status = 206;
    response.headers.emplace_back("Content-Range", "bytes " + std::to_string(span->first) + "-" +
                                                       std::to_string(span->second - 1) + "/" +
                                                       std::to_string(bytes->size()));
    response.body.assign(reinterpret_cast<const char*>(bytes->data()) + span->first,
                         span->second - span->first);
    return response;
  }
  response.body.assign(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return response;
}

}  // namespace atlas::service
