#include "formats/gltf_meshopt.h"

#include <meshoptimizer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/base64.h"

namespace atlas::gltf {

namespace {

using Json = nlohmann::json;

constexpr const char* kExtension = "EXT_meshopt_compression";
// meshoptimizer's codecs spend at least 2 bits on 16 bytes of vertex data and a byte on
// each triangle or index, so a stream that claims to expand by more than this is
// hostile, and is refused before anything is allocated for it.
constexpr std::uint64_t kMaxExpansion = 64;
constexpr std::uint64_t kExpansionSlack = 4096;
// Views may share compressed bytes, so their sum gets a ceiling too (the size of the
// largest file the loaders read).
constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{1} << 30;

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::uint64_t> as_unsigned(const Json* value) {
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  if (value->is_number_unsigned()) return value->get<std::uint64_t>();
  const std::int64_t signed_value = value->get<std::int64_t>();
  if (signed_value < 0) return std::nullopt;
  return static_cast<std::uint64_t>(signed_value);
}

std::optional<std::uint64_t> unsigned_or(const Json& object, const char* key,
                                         std::uint64_t fallback) {
  const Json* value = member(object, key);
  return value ? as_unsigned(value) : std::optional<std::uint64_t>(fallback);
}

std::string text_or(const Json& object, const char* key, const char* fallback) {
  const Json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : fallback;
}

// The bytes of each source buffer, loaded once.
class SourceBuffers {
 public:
  SourceBuffers(const Json& document, ByteView bin, bool binary, const ResourceLoader& load)
      : document_(document), bin_(bin), binary_(binary), load_(load) {}

  Result<ByteView> get(std::uint64_t index) {
    if (index == 0 && binary_ && !has_uri(0)) return bin_;
    auto it = loaded_.find(index);
    if (it != loaded_.end()) return ByteView(it->second);
    const Json* buffers = member(document_, "buffers");
    if (buffers == nullptr || !buffers->is_array() || index >= buffers->size())
      return make_error("buffer " + std::to_string(index) + " does not exist");
    const Json* uri = member((*buffers)[index], "uri");
    if (uri == nullptr || !uri->is_string())
      return make_error("buffer " + std::to_string(index) + " has no data");
    const auto length = as_unsigned(member((*buffers)[index], "byteLength"));
    if (!length) return make_error("buffer " + std::to_string(index) + " has no byteLength");
    Result<Bytes> bytes = read_uri(uri->get<std::string>(), *length);
    if (!bytes) return with_context("buffer " + std::to_string(index), bytes.error());
    return ByteView(loaded_.emplace(index, std::move(bytes.value())).first->second);
  }

 private:
  bool has_uri(std::uint64_t index) const {
    const Json* buffers = member(document_, "buffers");
    return buffers && buffers->is_array() && index < buffers->size() &&
           member((*buffers)[index], "uri") != nullptr;
  }

  Result<Bytes> read_uri(const std::string& uri, std::uint64_t length) const {
    if (uri.rfind("data:", 0) == 0) {
      const std::size_t comma = uri.find(',');
      if (comma == std::string::npos ||
          !std::string_view(uri).substr(0, comma).ends_with(";base64"))
        return make_error("a data URI that is not base64");
      const std::string_view text = std::string_view(uri).substr(comma + 1);
      return base64_decode(
          ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), length);
    }
    if (!load_) return make_error("no resource loader for external files");
    return load_(uri);
  }

  const Json& document_;
  ByteView bin_;
  bool binary_;
  const ResourceLoader& load_;
  std::map<std::uint64_t, Bytes> loaded_;
};

struct Stream {
  std::uint64_t buffer = 0, offset = 0, length = 0, stride = 0, count = 0;
  std::string mode, filter;
};

Result<Stream> parse_stream(const Json& extension) {
  Stream stream;
  const auto buffer = as_unsigned(member(extension, "buffer"));
  const auto offset = unsigned_or(extension, "byteOffset", 0);
  const auto length = as_unsigned(member(extension, "byteLength"));
  const auto stride = as_unsigned(member(extension, "byteStride"));
  const auto count = as_unsigned(member(extension, "count"));
  if (!buffer || !offset || !length || !stride || !count)
    return make_error(
        "needs integer buffer, byteLength, byteStride and count (and byteOffset when given)");
  stream = {*buffer,
            *offset,
            *length,
            *stride,
            *count,
            text_or(extension, "mode", ""),
            text_or(extension, "filter", "NONE")};
  if (stream.mode == "ATTRIBUTES") {
    if (stream.stride == 0 || stream.stride > 256 || stream.stride % 4 != 0)
      return make_error("ATTRIBUTES byteStride must be a multiple of 4 up to 256");
  } else if (stream.mode == "TRIANGLES" || stream.mode == "INDICES") {
    if (stream.stride != 2 && stream.stride != 4)
      return make_error(stream.mode + " byteStride must be 2 or 4");
    if (stream.mode == "TRIANGLES" && stream.count % 3 != 0)
      return make_error("TRIANGLES count must be a multiple of 3");
    if (stream.filter != "NONE") return make_error("index data cannot have a filter");
  } else {
    return make_error("unknown mode '" + stream.mode + "'");
  }
  const bool filter_fits =
      stream.filter == "NONE" ||
      (stream.filter == "OCTAHEDRAL" && (stream.stride == 4 || stream.stride == 8)) ||
      (stream.filter == "QUATERNION" && stream.stride == 8) || stream.filter == "EXPONENTIAL";
  if (!filter_fits)
    return make_error("filter '" + stream.filter + "' does not fit byteStride " +
                      std::to_string(stream.stride));
  return stream;
}

Status decode_stream(const Stream& stream, ByteView encoded, std::uint8_t* out) {
  const std::size_t count = stream.count, stride = stream.stride;
  int status = 0;
  if (stream.mode == "ATTRIBUTES") {
    status = meshopt_decodeVertexBuffer(out, count, stride, encoded.data(), encoded.size());
  } else if (stream.mode == "TRIANGLES") {
    status = meshopt_decodeIndexBuffer(out, count, stride, encoded.data(), encoded.size());
  } else {
    status = meshopt_decodeIndexSequence(out, count, stride, encoded.data(), encoded.size());
  }
  if (status != 0) return make_error("the " + stream.mode + " data does not decode");
  if (stream.filter == "OCTAHEDRAL") meshopt_decodeFilterOct(out, count, stride);
  if (stream.filter == "QUATERNION") meshopt_decodeFilterQuat(out, count, stride);
  if (stream.filter == "EXPONENTIAL") meshopt_decodeFilterExp(out, count, stride);
  return Ok{};
}

// Drops the fallback buffers that no view uses, renumbering the views' buffers.
void drop_unused_fallbacks(Json& document) {
  Json* buffers = document.contains("buffers") ? &document["buffers"] : nullptr;
  Json* views = document.contains("bufferViews") ? &document["bufferViews"] : nullptr;
  if (buffers == nullptr || !buffers->is_array() || views == nullptr || !views->is_array()) return;
  std::vector<bool> used(buffers->size(), false);
  for (const Json& view : *views)
    if (const auto index = as_unsigned(member(view, "buffer")); index && *index < used.size())
      used[*index] = true;
  std::vector<std::uint64_t> renumbered(buffers->size());
  Json kept = Json::array();
  for (std::size_t i = 0; i < buffers->size(); ++i) {
    const Json* extensions = member((*buffers)[i], "extensions");
    const Json* extension = extensions ? member(*extensions, kExtension) : nullptr;
    const Json* fallback = extension ? member(*extension, "fallback") : nullptr;
    if (!used[i] && fallback && fallback->is_boolean() && fallback->get<bool>()) continue;
    renumbered[i] = kept.size();
    kept.push_back(std::move((*buffers)[i]));
  }
  for (Json& view : *views)
    if (const auto index = as_unsigned(member(view, "buffer")); index && *index < used.size())
      view["buffer"] = renumbered[*index];
  *buffers = std::move(kept);
}

}  // namespace

Result<Bytes> decode_meshopt(Json& document, ByteView bin, bool binary,
                             const ResourceLoader& load) {
  Bytes decoded;
  if (!document.is_object() || !document.contains("bufferViews")) return decoded;
  Json& views = document["bufferViews"];
  if (!views.is_array()) return decoded;
  SourceBuffers sources(document, bin, binary, load);
  struct Placed {
    std::size_t view;
    std::uint64_t offset;
  };
  std::vector<Placed> placed;
  for (std::size_t v = 0; v < views.size(); ++v) {
    const Json* extensions = member(views[v], "extensions");
    const Json* extension = extensions ? member(*extensions, kExtension) : nullptr;
    if (extension == nullptr) continue;
    const std::string what = "glTF: bufferView " + std::to_string(v) + ": " + kExtension;
    Result<Stream> stream = parse_stream(*extension);
    if (!stream) return with_context(what, stream.error());
    const auto view_length = as_unsigned(member(views[v], "byteLength"));
    if (!view_length) return make_error(what + ": the bufferView has no byteLength");
    if (stream->count > *view_length / stream->stride)
      return make_error(what + ": " + std::to_string(stream->count) + " elements of " +
                        std::to_string(stream->stride) + " bytes do not fit the bufferView (" +
                        std::to_string(*view_length) + " bytes)");
    if (*view_length > kMaxExpansion * stream->length + kExpansionSlack)
      return make_error(what + ": " + std::to_string(stream->length) +
                        " compressed bytes cannot hold " + std::to_string(*view_length));
    Result<ByteView> source = sources.get(stream->buffer);
    if (!source) return with_context(what, source.error());
    if (stream->offset > source->size() || stream->length > source->size() - stream->offset)
      return make_error(what + ": the compressed bytes run past the end of buffer " +
                        std::to_string(stream->buffer));
    const std::uint64_t offset = (decoded.size() + 3) / 4 * 4;
    if (*view_length > kMaxDecodedBytes - offset)
      return make_error(what + ": the decoded views exceed 1 GiB");
    decoded.resize(offset + *view_length, 0);
    Status status = decode_stream(*stream, source->subspan(stream->offset, stream->length),
                                  decoded.data() + offset);
    if (!status) return with_context(what, status.error());
    placed.push_back({v, offset});
  }
  if (placed.empty()) return decoded;
  decoded.resize((decoded.size() + 3) / 4 * 4, 0);
  const std::size_t new_buffer = document["buffers"].size();
  for (const Placed& entry : placed) {
    Json& view = views[entry.view];
    view["buffer"] = new_buffer;
    view["byteOffset"] = entry.offset;
    view["extensions"].erase(kExtension);
    if (view["extensions"].empty()) view.erase("extensions");
  }
  document["buffers"].push_back(
      {{"uri", std::string(kMeshoptDecodedUri)}, {"byteLength", decoded.size()}});
  if (document.contains("extensionsRequired") && document["extensionsRequired"].is_array()) {
    Json& required = document["extensionsRequired"];
    for (auto it = required.begin(); it != required.end();)
      it = it->is_string() && it->get<std::string>() == kExtension ? required.erase(it) : it + 1;
  }
  drop_unused_fallbacks(document);
  return decoded;
}

}  // namespace atlas::gltf
