// /v1/assets: uploads, as the raw body or as multipart/form-data (the first file part).

#include <algorithm>
#include <variant>

#include "core/sha256.h"
#include "service/api_support.h"
#include "service/ids.h"

namespace atlas::service {

namespace {

constexpr std::size_t kMaxFilename = 200;

// A name safe to use as a file name: no path, no control characters, not hidden.
std::optional<std::string> safe_filename(std::string_view name) {
  if (name.empty() || name.size() > kMaxFilename || name.front() == '.') return std::nullopt;
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return std::nullopt;
  return std::string(name);
}

// The value of `parameter` in a header such as `form-data; name="file"; filename="a.ply"`.
std::string header_parameter(std::string_view header, std::string_view parameter) {
  std::size_t at = 0;
  while ((at = header.find(parameter, at)) != std::string_view::npos) {
    const bool starts = at == 0 || header[at - 1] == ' ' || header[at - 1] == ';';
    const std::size_t equals = at + parameter.size();
    at = equals;
    if (!starts || equals >= header.size() || header[equals] != '=') continue;
    std::string_view value = header.substr(equals + 1);
    if (!value.empty() && value.front() == '"') {
      value.remove_prefix(1);
      return std::string(value.substr(0, value.find('"')));
    }
    return std::string(value.substr(0, value.find(';')));
  }
  return {};
}

struct Part {
  std::string filename;
  std::string_view content;
};

// The first part with a filename. Errors say what is wrong with the body.
Result<Part> first_file_part(std::string_view body, const std::string& boundary) {
  const std::string delimiter = "--" + boundary;
  std::size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    const std::size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) break;
    const std::string_view headers = body.substr(at, headers_end - at);
    const std::size_t content_start = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos)
      return make_error("multipart body: a part has no closing boundary");
    std::string filename;
    std::size_t line = 0;
    while (line < headers.size()) {
      std::size_t end = headers.find("\r\n", line);
      if (end == std::string_view::npos) end = headers.size();
      const std::string_view header = headers.substr(line, end - line);
      std::string lower(header.substr(0, 20));
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      if (lower.rfind("content-disposition:", 0) == 0)
        filename = header_parameter(header, "filename");
      line = end + 2;
    }
    if (!filename.empty()) return Part{filename, body.substr(content_start, next - content_start)};
    at = next + 2;
  }
  return make_error(
      "multipart body: no part with a filename (send the file as a form field "
      "with filename=...)");
}

Json asset_json(const Asset& asset) {
  return {{"id", asset.id},
          {"filename", asset.filename},
          {"size", asset.size},
          {"sha256", asset.sha256},
          {"created_at", iso_time(asset.created_ms)}};
}

// The asset the path's first placeholder names, of the caller's tenant; otherwise the
// 404 (or storage error) to answer.
std::variant<Asset, HttpResponse> tenant_asset(const Api::Call& call) {
  const std::string& id = call.params.at(0);
  const auto not_found = error_response(404, "not_found", "no asset '" + id + "'");
  if (!is_id(id, "ast_")) return not_found;
  auto asset = call.store.find_asset(call.key.tenant_id, id);
  if (!asset) return storage_error(asset.error());
  if (!*asset) return not_found;
  return std::move(**asset);
}

}  // namespace

HttpResponse upload_asset(const Api::Call& call) {
  const std::string_view type = call.request.header("content-type");
  std::string_view content = call.request.body;
  std::string filename;
  if (type.rfind("multipart/form-data", 0) == 0) {
    const std::string boundary = header_parameter(type, "boundary");
    if (boundary.empty() || boundary.size() > 70)
      return error_response(400, "invalid_body", "Content-Type: multipart without a boundary");
    auto part = first_file_part(call.request.body, boundary);
    if (!part) return error_response(400, "invalid_body", part.error().message);
    filename = part->filename;
    content = part->content;
  } else {
    const auto named = call.query.find("filename");
    filename = named != call.query.end() ? named->second : "upload.bin";
  }
  const auto safe = safe_filename(filename);
  if (!safe)
    return error_response(400, "invalid_field",
                          "filename: a plain file name of 1-200 characters without '/', not "
                          "starting with '.'");
  if (content.empty()) return error_response(400, "invalid_body", "the upload is empty");
  if (auto refused = balance_refusal(call)) return std::move(*refused);
  Asset asset;
  asset.id = random_id("ast_");
  asset.tenant_id = call.key.tenant_id;
  asset.filename = *safe;
  asset.size = content.size();
  asset.sha256 =
      sha256_hex(ByteView(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
  asset.created_ms = now_ms();
  // The file first: an asset the store lists always has its bytes on disk.
  if (Status written = call.artifacts.write_asset(asset.id, content); !written)
    return storage_error(written.error());
  if (Status added = call.store.add_asset(asset); !added) return storage_error(added.error());
  HttpResponse response = json_response(201, asset_json(asset));
  response.headers.emplace_back("Location", "/v1/assets/" + asset.id);
  return response;
}

HttpResponse get_asset(const Api::Call& call) {
  auto asset = tenant_asset(call);
  if (auto* error = std::get_if<HttpResponse>(&asset)) return std::move(*error);
  return json_response(200, asset_json(std::get<Asset>(asset)));
}

HttpResponse get_asset_content(const Api::Call& call) {
  auto asset = tenant_asset(call);
  if (auto* error = std::get_if<HttpResponse>(&asset)) return std::move(*error);
  const Asset& found = std::get<Asset>(asset);
  // The upload's own name decides nothing here: it is served as bytes, never rendered.
  HttpResponse response =
      file_response(call, call.artifacts.asset_path(found.id), found.sha256, "upload.bin");
  std::string quoted;
  for (char c : found.filename) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + quoted + "\"");
  return response;
}

}  // namespace atlas::service
