// glTF 2.0 reader. tinygltf parses the document and loads buffers through the
// ResourceLoader; this file checks every index and byte range tinygltf leaves unchecked,
// decodes Draco and images itself, and flattens the scene into world space.
//
// tinygltf 2.7's own Draco path indexes bufferViews, accessors and Draco attributes
// without bounds checks, so a hostile file would crash it. The JSON is therefore
// pre-read here: Draco extensions are taken out before tinygltf sees them and decoded
// with libdraco after every reference has been checked.

#include <draco/compression/decode.h>
#include <tiny_gltf.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/byte_reader.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"

namespace atlas {

namespace {

using Json = nlohmann::json;

constexpr std::uint32_t kGlbMagic = 0x46546C67;  // "glTF"
constexpr std::uint32_t kChunkJson = 0x4E4F534A;
constexpr std::uint32_t kChunkBin = 0x004E4942;

// An accessor without a bufferView is all zeros (plus sparse values): its count is not
// backed by bytes in the file, so it gets a fixed ceiling instead.
constexpr std::uint64_t kMaxUnbackedElements = std::uint64_t{1} << 24;

// Node instancing copies a mesh once per node, so a small file could ask for an
// enormous flattened result; this caps it (about 1.5 GB of positions and indices).
constexpr std::size_t kMaxFlattenedVertices = std::size_t{1} << 26;

// Extensions a file may require that Atlas reads (or may ignore without changing the
// geometry). Any other required extension makes the file unreadable here.
const std::set<std::string> kUnderstoodRequiredExtensions = {
    "KHR_draco_mesh_compression", "KHR_texture_transform", "KHR_mesh_quantization",
    "EXT_texture_webp",           "KHR_materials_unlit",   "KHR_materials_emissive_strength"};

std::string plural(std::size_t count, const std::string& noun, const std::string& nouns = "") {
  return std::to_string(count) + " " + (count == 1 ? noun : nouns.empty() ? noun + "s" : nouns);
}

// ---------------------------------------------------------------------------------
// Container and JSON pre-reading

struct GlbParts {
  std::string_view json;
  ByteView bin;
};

Result<GlbParts> split_glb(ByteView bytes) {
  ByteReader header(bytes);
  std::uint32_t magic = 0, version = 0, length = 0;
  if (!header.read(magic) || !header.read(version) || !header.read(length)) {
    return make_error("GLB: truncated header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (magic != kGlbMagic) return make_error("GLB: wrong magic bytes");
  if (version != 2)
    return make_error("GLB: container version " + std::to_string(version) + " is not supported");
  if (length > bytes.size()) {
    return make_error("GLB: header says " + std::to_string(length) + " bytes but the file has " +
                      std::to_string(bytes.size()) + " (truncated)");
  }
  ByteReader chunks(bytes.first(length));
  chunks.skip(12);
  std::uint32_t json_length = 0, json_type = 0;
  if (!chunks.read(json_length) || !chunks.read(json_type))
    return make_error("GLB: truncated JSON chunk header");
  if (json_type != kChunkJson) return make_error("GLB: the first chunk is not JSON");
  if (json_length == 0 || !chunks.has(json_length)) {
    return make_error("GLB: JSON chunk length " + std::to_string(json_length) +
                      " runs past the end (" + std::to_string(chunks.remaining()) + " bytes left)");
  }
  GlbParts parts;
  parts.json = as_chars(chunks.take(json_length));
  if (chunks.remaining() == 0) return parts;
  std::uint32_t bin_length = 0, bin_type = 0;
  if (!chunks.read(bin_length) || !chunks.read(bin_type))
    return make_error("GLB: truncated BIN chunk header");
  if (bin_type != kChunkBin) return make_error("GLB: the second chunk is not BIN");
  if (!chunks.has(bin_length)) {
    return make_error("GLB: BIN chunk length " + std::to_string(bin_length) +
                      " runs past the end (" + std::to_string(chunks.remaining()) + " bytes left)");
  }
  parts.bin = chunks.take(bin_length);
  return parts;
}

// Rebuilds a canonical GLB from parts already checked here, so tinygltf only ever sees
// a container whose chunk lengths are consistent.
Bytes assemble_glb(std::string_view json, ByteView bin) {
  std::string padded_json(json);
  padded_json.resize((padded_json.size() + 3) / 4 * 4, ' ');
  const std::size_t padded_bin = (bin.size() + 3) / 4 * 4;
  const std::size_t total = 12 + 8 + padded_json.size() + (bin.empty() ? 0 : 8 + padded_bin);
  Bytes out;
  out.reserve(total);
  auto put32 = [&out](std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  put32(kGlbMagic);
  put32(2);
  put32(static_cast<std::uint32_t>(total));
  put32(static_cast<std::uint32_t>(padded_json.size()));
  put32(kChunkJson);
  out.insert(out.end(), padded_json.begin(), padded_json.end());
  if (!bin.empty()) {
    put32(static_cast<std::uint32_t>(padded_bin));
    put32(kChunkBin);
    out.insert(out.end(), bin.begin(), bin.end());
    out.resize(total, 0);
  }
  return out;
}

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::uint64_t> as_unsigned(const Json* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) return value->get<std::uint64_t>();
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0)
    return value->get<std::uint64_t>();
  return std::nullopt;
}

const Json* array_element(const Json& document, const char* array, std::uint64_t index) {
  const Json* items = member(document, array);
  if (items == nullptr || !items->is_array() || index >= items->size()) return nullptr;
  return &(*items)[index];
}

// tinygltf reads image bufferViews without a range check: check them on the JSON.
Status check_image_view(const Json& document, std::uint64_t view_index, std::size_t image) {
  const std::string what = "image " + std::to_string(image);
  const Json* view = array_element(document, "bufferViews", view_index);
  if (view == nullptr)
    return make_error(what + ": bufferView " + std::to_string(view_index) + " does not exist");
  const auto buffer_index = as_unsigned(member(*view, "buffer"));
  const Json* buffer = buffer_index ? array_element(document, "buffers", *buffer_index) : nullptr;
  if (buffer == nullptr)
    return make_error(what + ": its bufferView names a buffer that does not exist");
  const auto buffer_length = as_unsigned(member(*buffer, "byteLength"));
  const auto length = as_unsigned(member(*view, "byteLength"));
  const auto offset =
      member(*view, "byteOffset") ? as_unsigned(member(*view, "byteOffset")) : std::uint64_t{0};
  if (!buffer_length || !length || !offset || *length == 0 || *length > *buffer_length ||
      *offset > *buffer_length - *length) {
    return make_error(what + ": bufferView " + std::to_string(view_index) +
                      " lies outside its buffer");
  }
  return Ok{};
}

// A primitive's KHR_draco_mesh_compression, taken out of the JSON together with its
// "indices".
struct DracoSource {
  int buffer_view = -1;
  std::map<std::string, int> attribute_ids;
};
using DracoTable = std::map<std::pair<std::size_t, std::size_t>, DracoSource>;

Result<DracoSource> take_draco(Json& primitive, const Json& extension, std::string_view what) {
  DracoSource source;
  const auto view = as_unsigned(member(extension, "bufferView"));
  const Json* attributes = member(extension, "attributes");
  if (!view || *view > INT32_MAX || attributes == nullptr || !attributes->is_object()) {
    return make_error(std::string(what) +
                      ": KHR_draco_mesh_compression needs a bufferView and attributes");
  }
  source.buffer_view = static_cast<int>(*view);
  for (auto it = attributes->begin(); it != attributes->end(); ++it) {
    const auto id = as_unsigned(&it.value());
    if (!id || *id > INT32_MAX)
      return make_error(std::string(what) + ": Draco attribute ids must be integers");
    source.attribute_ids[it.key()] = static_cast<int>(*id);
  }
  // The triangles come from the Draco faces; the indices accessor has no bufferView,
  // which tinygltf would reject once the extension is gone.
  primitive.erase("indices");
  primitive["extensions"].erase("KHR_draco_mesh_compression");
  return source;
}

// Checks what tinygltf would use unchecked and removes Draco extensions (recording
// them in `draco`). Returns whether the document changed.
Result<bool> prepare_document(Json& document, DracoTable& draco) {
  if (!document.is_object()) return make_error("glTF: the JSON document is not an object");
  if (const Json* required = member(document, "extensionsRequired");
      required && required->is_array()) {
    for (const Json& name : *required) {
      if (name.is_string() && !kUnderstoodRequiredExtensions.contains(name.get<std::string>())) {
        return make_error("glTF: requires extension " + name.get<std::string>() +
                          ", which Atlas does not support");
      }
    }
  }
  if (const Json* images = member(document, "images"); images && images->is_array()) {
    for (std::size_t i = 0; i < images->size(); ++i) {
      if (const Json* view = member((*images)[i], "bufferView")) {
        const auto index = as_unsigned(view);
        if (!index)
          return make_error("glTF: image " + std::to_string(i) + ": bufferView is not an index");
        if (Status status = check_image_view(document, *index, i); !status) {
          return with_context("glTF", status.error());
        }
      }
    }
  }
  bool changed = false;
  auto meshes = document.find("meshes");
  if (meshes == document.end() || !meshes->is_array()) return changed;
  for (std::size_t m = 0; m < meshes->size(); ++m) {
    Json* primitives = (*meshes)[m].is_object() && (*meshes)[m].contains("primitives")
                           ? &(*meshes)[m]["primitives"]
                           : nullptr;
    if (primitives == nullptr || !primitives->is_array()) continue;
    for (std::size_t p = 0; p < primitives->size(); ++p) {
      Json& primitive = (*primitives)[p];
      const Json* extensions = member(primitive, "extensions");
      const Json* extension =
          extensions ? member(*extensions, "KHR_draco_mesh_compression") : nullptr;
      if (extension == nullptr) continue;
      const std::string what =
          "glTF: mesh " + std::to_string(m) + " primitive " + std::to_string(p);
      const Json copy = *extension;
      Result<DracoSource> source = take_draco(primitive, copy, what);
      if (!source) return source.error();
      draco[{m, p}] = std::move(source.value());
      changed = true;
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------
// tinygltf callbacks: every external URI goes through the ResourceLoader.

struct LoaderContext {
  const ResourceLoader* load = nullptr;
};

bool any_file_exists(const std::string&, void*) { return true; }
std::string path_unchanged(const std::string& path, void*) { return path; }

bool read_through_loader(std::vector<unsigned char>* out, std::string* error,
                         const std::string& path, void* user) {
  const auto* context = static_cast<LoaderContext*>(user);
  // tinygltf has percent-decoded the URI already; the loader decodes again, so a
  // literal '%' must reach it escaped.
  std::string uri;
  for (char c : path) uri += c == '%' ? std::string("%25") : std::string(1, c);
  if (!context->load || !*context->load) {
    *error = "no resource loader for external files";
    return false;
  }
  Result<Bytes> bytes = (*context->load)(uri);
  if (!bytes) {
    *error = bytes.error().message;
    return false;
  }
  out->assign(bytes->begin(), bytes->end());
  return true;
}

bool refuse_write(std::string* error, const std::string&, const std::vector<unsigned char>&,
                  void*) {
  *error = "writing is not allowed while reading";
  return false;
}

// Keeps the encoded bytes of URI images; bufferView images are read later with range
// checks, so their bytes are not touched here.
bool keep_encoded_image(tinygltf::Image* image, int, std::string*, std::string*, int, int,
                        const unsigned char* bytes, int size, void*) {
  if (image->bufferView >= 0) return true;
  if (bytes != nullptr && size > 0) image->image.assign(bytes, bytes + size);
  image->as_is = true;
  return true;
}

std::string one_line(std::string text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && (part.back() == '\r' || part.back() == ' ' || part.back() == '.'))
      part.pop_back();
    if (!part.empty()) line += (line.empty() ? "" : "; ") + part;
    start = end + 1;
  }
  return line;
}

// ---------------------------------------------------------------------------------
// Accessors

int component_bytes(int component_type) {
  switch (component_type) {
    case TINYGLTF_COMPONENT_TYPE_BYTE:
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
      return 1;
    case TINYGLTF_COMPONENT_TYPE_SHORT:
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT:
      return 2;
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT:
    case TINYGLTF_COMPONENT_TYPE_FLOAT:
      return 4;
    default:
      return 0;
  }
}

int type_components(int type) {
  switch (type) {
    case TINYGLTF_TYPE_SCALAR:
      return 1;
    case TINYGLTF_TYPE_VEC2:
      return 2;
    case TINYGLTF_TYPE_VEC3:
      return 3;
    case TINYGLTF_TYPE_VEC4:
    case TINYGLTF_TYPE_MAT2:
      return 4;
    case TINYGLTF_TYPE_MAT3:
      return 9;
    case TINYGLTF_TYPE_MAT4:
      return 16;
    default:
      return 0;
  }
}

template <typename T>
T load(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

float component_value(const std::uint8_t* at, int component_type, bool normalized) {
  switch (component_type) {
    case TINYGLTF_COMPONENT_TYPE_BYTE: {
      const float v = load<std::int8_t>(at);
      return normalized ? std::fmax(v / 127.0f, -1.0f) : v;
    }
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE: {
      const float v = load<std::uint8_t>(at);
      return normalized ? v / 255.0f : v;
    }
    case TINYGLTF_COMPONENT_TYPE_SHORT: {
      const float v = load<std::int16_t>(at);
      return normalized ? std::fmax(v / 32767.0f, -1.0f) : v;
    }
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT: {
      const float v = load<std::uint16_t>(at);
      return normalized ? v / 65535.0f : v;
    }
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT:
      return static_cast<float>(load<std::uint32_t>(at));
    default:
      return load<float>(at);
  }
}

Result<ByteView> view_bytes(const tinygltf::Model& model, int view_index, const std::string& what) {
  if (view_index < 0 || static_cast<std::size_t>(view_index) >= model.bufferViews.size()) {
    return make_error(what + ": bufferView " + std::to_string(view_index) + " does not exist");
  }
  const tinygltf::BufferView& view = model.bufferViews[view_index];
  if (view.buffer < 0 || static_cast<std::size_t>(view.buffer) >= model.buffers.size()) {
    return make_error(what + ": bufferView " + std::to_string(view_index) + " names buffer " +
                      std::to_string(view.buffer) + ", which does not exist");
  }
  const std::vector<unsigned char>& data = model.buffers[view.buffer].data;
  if (view.byteLength > data.size() || view.byteOffset > data.size() - view.byteLength) {
    return make_error(what + ": bufferView " + std::to_string(view_index) + " (offset " +
                      std::to_string(view.byteOffset) + ", length " +
                      std::to_string(view.byteLength) + ") runs past the end of buffer " +
                      std::to_string(view.buffer) + " (" + std::to_string(data.size()) + " bytes)");
  }
  return ByteView(data).subspan(view.byteOffset, view.byteLength);
}

// Where an accessor's elements lie, after checking they lie inside their bufferView.
struct ElementLayout {
  const std::uint8_t* base = nullptr;
  std::size_t stride = 0;
};

Result<ElementLayout> locate_elements(const tinygltf::Model& model, int view_index,
                                      std::size_t byte_offset, std::size_t count,
                                      std::size_t element_bytes, const std::string& what) {
  Result<ByteView> view = view_bytes(model, view_index, what);
  if (!view) return view.error();
  const std::size_t declared_stride = model.bufferViews[view_index].byteStride;
  const std::size_t stride = declared_stride != 0 ? declared_stride : element_bytes;
  if (stride < element_bytes) {
    return make_error(what + ": byteStride " + std::to_string(stride) +
                      " is smaller than an element (" + std::to_string(element_bytes) + " bytes)");
  }
  const std::size_t size = view->size();
  if (count > 0 && (byte_offset > size || element_bytes > size - byte_offset ||
                    count - 1 > (size - byte_offset - element_bytes) / stride)) {
    return make_error(what + ": " + std::to_string(count) + " elements of " +
                      std::to_string(element_bytes) + " bytes (stride " + std::to_string(stride) +
                      ", offset " + std::to_string(byte_offset) +
                      ") run past the end of bufferView " + std::to_string(view_index) + " (" +
                      std::to_string(size) + " bytes)");
  }
  return ElementLayout{view->data() + byte_offset, stride};
}

const tinygltf::Accessor* find_accessor(const tinygltf::Model& model, int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= model.accessors.size()) return nullptr;
  return &model.accessors[index];
}

struct FloatData {
  std::size_t count = 0;
  int components = 0;
  std::vector<float> values;  // count * components
};

Status apply_sparse(const tinygltf::Model& model, const tinygltf::Accessor& accessor,
                    FloatData& data, const std::string& what) {
  const auto& sparse = accessor.sparse;
  if (sparse.count < 1 || static_cast<std::size_t>(sparse.count) > accessor.count) {
    return make_error(what + ": sparse count " + std::to_string(sparse.count) +
                      " is not within 1.." + std::to_string(accessor.count));
  }
  if (sparse.indices.byteOffset < 0 || sparse.values.byteOffset < 0) {
    return make_error(what + ": negative sparse byteOffset");
  }
  const int index_bytes =
      sparse.indices.componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE    ? 1
      : sparse.indices.componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT ? 2
      : sparse.indices.componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT   ? 4
                                                                               : 0;
  if (index_bytes == 0) return make_error(what + ": sparse indices have an invalid component type");
  const std::size_t count = static_cast<std::size_t>(sparse.count);
  const std::size_t value_bytes =
      std::size_t(component_bytes(accessor.componentType)) * data.components;
  Result<ByteView> index_view =
      view_bytes(model, sparse.indices.bufferView, what + " sparse indices");
  if (!index_view) return index_view.error();
  Result<ByteView> value_view =
      view_bytes(model, sparse.values.bufferView, what + " sparse values");
  if (!value_view) return value_view.error();
  const std::size_t index_offset = static_cast<std::size_t>(sparse.indices.byteOffset);
  const std::size_t value_offset = static_cast<std::size_t>(sparse.values.byteOffset);
  if (index_offset > index_view->size() ||
      count > (index_view->size() - index_offset) / index_bytes ||
      value_offset > value_view->size() ||
      count > (value_view->size() - value_offset) / value_bytes) {
    return make_error(what + ": " + std::to_string(count) +
                      " sparse elements run past their bufferViews");
  }
  const std::uint8_t* indices = index_view->data() + index_offset;
  const std::uint8_t* values = value_view->data() + value_offset;
  const int component_size = component_bytes(accessor.componentType);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* at = indices + i * index_bytes;
    const std::uint32_t target = index_bytes == 1   ? load<std::uint8_t>(at)
                                 : index_bytes == 2 ? load<std::uint16_t>(at)
                                                    : load<std::uint32_t>(at);
    if (target >= data.count) {
      return make_error(what + ": sparse index " + std::to_string(target) +
                        " is out of range (count " + std::to_string(data.count) + ")");
    }
    for (int c = 0; c < data.components; ++c) {
      data.values[std::size_t(target) * data.components + c] =
          component_value(values + i * value_bytes + std::size_t(c) * component_size,
                          accessor.componentType, accessor.normalized);
    }
  }
  return Ok{};
}

// Reads a vertex attribute accessor into floats, converting every component type and
// normalised integers.
Result<FloatData> read_floats(const tinygltf::Model& model, int accessor_index,
                              const std::string& what) {
  const tinygltf::Accessor* accessor = find_accessor(model, accessor_index);
  if (accessor == nullptr)
    return make_error(what + ": accessor " + std::to_string(accessor_index) + " does not exist");
  const std::string where = what + " (accessor " + std::to_string(accessor_index) + ")";
  const int component_size = component_bytes(accessor->componentType);
  const int components = type_components(accessor->type);
  if (component_size == 0 || components == 0) {
    return make_error(where + ": invalid componentType " + std::to_string(accessor->componentType) +
                      " or type");
  }
  FloatData data;
  data.count = accessor->count;
  data.components = components;
  const std::size_t element_bytes = std::size_t(component_size) * components;
  if (accessor->bufferView >= 0) {
    Result<ElementLayout> layout = locate_elements(
        model, accessor->bufferView, accessor->byteOffset, accessor->count, element_bytes, where);
    if (!layout) return layout.error();
    data.values.resize(data.count * components);
    float* out = data.values.data();
    for (std::size_t i = 0; i < data.count; ++i) {
      const std::uint8_t* element = layout->base + i * layout->stride;
      if (accessor->componentType == TINYGLTF_COMPONENT_TYPE_FLOAT) {
        std::memcpy(out + i * components, element, element_bytes);
      } else {
        for (int c = 0; c < components; ++c) {
          out[i * components + c] = component_value(element + std::size_t(c) * component_size,
                                                    accessor->componentType, accessor->normalized);
        }
      }
    }
  } else {
    if (data.count > kMaxUnbackedElements) {
      return make_error(where + ": " + std::to_string(data.count) +
                        " elements with no bufferView is too many");
    }
    data.values.assign(data.count * components, 0.0f);
  }
  if (accessor->sparse.isSparse) {
    if (Status status = apply_sparse(model, *accessor, data, where); !status) return status.error();
  }
  return data;
}

Result<std::vector<std::uint32_t>> read_indices(const tinygltf::Model& model, int accessor_index,
                                                const std::string& what) {
  const tinygltf::Accessor* accessor = find_accessor(model, accessor_index);
  if (accessor == nullptr)
    return make_error(what + ": accessor " + std::to_string(accessor_index) + " does not exist");
  const std::string where = what + " indices (accessor " + std::to_string(accessor_index) + ")";
  const int size = accessor->componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE    ? 1
                   : accessor->componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT ? 2
                   : accessor->componentType == TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT   ? 4
                                                                                       : 0;
  if (size == 0 || accessor->type != TINYGLTF_TYPE_SCALAR) {
    return make_error(where + ": must be unsigned byte, short or int scalars");
  }
  if (accessor->sparse.isSparse)
    return make_error(where + ": sparse index accessors are not supported");
  if (accessor->bufferView < 0) return make_error(where + ": has no bufferView");
  Result<ElementLayout> layout = locate_elements(model, accessor->bufferView, accessor->byteOffset,
                                                 accessor->count, size, where);
  if (!layout) return layout.error();
  std::vector<std::uint32_t> indices(accessor->count);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const std::uint8_t* at = layout->base + i * layout->stride;
    indices[i] = size == 1   ? load<std::uint8_t>(at)
                 : size == 2 ? load<std::uint16_t>(at)
                             : load<std::uint32_t>(at);
  }
  return indices;
}

// ---------------------------------------------------------------------------------
// Draco

Result<std::unique_ptr<draco::Mesh>> decode_draco(const tinygltf::Model& model,
                                                  const DracoSource& source,
                                                  const std::string& what) {
  Result<ByteView> bytes = view_bytes(model, source.buffer_view, what + " Draco data");
  if (!bytes) return bytes.error();
  draco::DecoderBuffer buffer;
  buffer.Init(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  draco::Decoder decoder;
  auto decoded = decoder.DecodeMeshFromBuffer(&buffer);
  if (!decoded.ok())
    return make_error(what +
                      ": Draco data does not decode: " + decoded.status().error_msg_string());
  std::unique_ptr<draco::Mesh> mesh = std::move(decoded).value();
  if (mesh == nullptr) return make_error(what + ": Draco data holds no mesh");
  return mesh;
}

Result<FloatData> draco_attribute(const draco::Mesh& mesh, int unique_id, const std::string& what) {
  const draco::PointAttribute* attribute =
      mesh.GetAttributeByUniqueId(static_cast<std::uint32_t>(unique_id));
  if (attribute == nullptr)
    return make_error(what + ": Draco attribute id " + std::to_string(unique_id) +
                      " does not exist");
  const int components = attribute->num_components();
  if (components < 1 || components > 4) {
    return make_error(what + ": Draco attribute has " + std::to_string(components) + " components");
  }
  FloatData data;
  data.count = mesh.num_points();
  data.components = components;
  data.values.resize(data.count * components);
  for (draco::PointIndex i(0); i < mesh.num_points(); ++i) {
    if (!attribute->ConvertValue<float>(attribute->mapped_index(i),
                                        static_cast<std::int8_t>(components),
                                        data.values.data() + std::size_t(i.value()) * components)) {
      return make_error(what + ": Draco attribute value " + std::to_string(i.value()) +
                        " cannot be read");
    }
  }
  return data;
}

// ---------------------------------------------------------------------------------
// Primitives

struct ReadState {
  const tinygltf::Model& model;
  const DracoTable& draco;
  std::vector<int> image_map;  // glTF image -> Mesh::images index, -1 when dropped
  std::size_t skipped_non_triangles = 0;
  bool morph_targets = false;
};

template <typename V>
std::vector<V> to_vectors(const FloatData& data) {
  constexpr int n = sizeof(V) / sizeof(float);
  std::vector<V> out(data.count);
  for (std::size_t i = 0; i < data.count; ++i) {
    float values[4] = {0, 0, 0, 1};
    for (int c = 0; c < std::min(n, data.components); ++c)
      values[c] = data.values[i * data.components + c];
    std::memcpy(&out[i], values, sizeof(V));
  }
  return out;
}

Result<std::vector<std::uint32_t>> triangle_list(int mode, std::vector<std::uint32_t> indices,
                                                 const std::string& what) {
  if (mode == TINYGLTF_MODE_TRIANGLES) {
    if (indices.size() % 3 != 0) {
      return make_error(what + ": " + std::to_string(indices.size()) +
                        " indices is not a multiple of 3");
    }
    return indices;
  }
  std::vector<std::uint32_t> list;
  if (indices.size() < 3) return list;
  list.reserve((indices.size() - 2) * 3);
  for (std::size_t i = 0; i + 2 < indices.size(); ++i) {
    std::uint32_t a, b, c;
    if (mode == TINYGLTF_MODE_TRIANGLE_STRIP) {
      a = indices[i];
      b = indices[i + 1 + i % 2];
      c = indices[i + 2 - i % 2];
    } else {
      a = indices[i + 1];
      b = indices[i + 2];
      c = indices[0];
    }
    if (a == b || b == c || a == c) continue;
    list.insert(list.end(), {a, b, c});
  }
  return list;
}

// Reads one glTF primitive in its mesh's local space. Returns an empty optional for
// points and lines, which Atlas does not keep, and for primitives with no triangles.
Result<std::optional<Primitive>> read_primitive(ReadState& state, std::size_t mesh_index,
                                                std::size_t primitive_index) {
  const tinygltf::Model& model = state.model;
  const tinygltf::Primitive& source = model.meshes[mesh_index].primitives[primitive_index];
  const std::string what =
      "mesh " + std::to_string(mesh_index) + " primitive " + std::to_string(primitive_index);
  if (source.mode >= TINYGLTF_MODE_POINTS && source.mode <= TINYGLTF_MODE_LINE_STRIP) {
    ++state.skipped_non_triangles;
    return std::optional<Primitive>();
  }
  if (source.mode < TINYGLTF_MODE_TRIANGLES || source.mode > TINYGLTF_MODE_TRIANGLE_FAN) {
    return make_error(what + ": unknown mode " + std::to_string(source.mode));
  }
  if (!source.targets.empty()) state.morph_targets = true;

  const auto draco_entry = state.draco.find({mesh_index, primitive_index});
  const DracoSource* draco_source =
      draco_entry == state.draco.end() ? nullptr : &draco_entry->second;
  std::unique_ptr<draco::Mesh> draco_mesh;
  if (draco_source != nullptr) {
    auto decoded = decode_draco(model, *draco_source, what);
    if (!decoded) return decoded.error();
    draco_mesh = std::move(decoded.value());
  }

  auto attribute = [&](const std::string& name,
                       std::initializer_list<int> allowed) -> Result<FloatData> {
    const std::string where = what + " " + name;
    const bool compressed = draco_source != nullptr && draco_source->attribute_ids.contains(name);
    Result<FloatData> data =
        compressed ? draco_attribute(*draco_mesh, draco_source->attribute_ids.at(name), where)
                   : read_floats(model, source.attributes.at(name), where);
    if (!data) return data;
    if (std::find(allowed.begin(), allowed.end(), data->components) == allowed.end()) {
      return make_error(where + ": has " + std::to_string(data->components) +
                        " components per element");
    }
    return data;
  };

  if (!source.attributes.contains("POSITION"))
    return make_error(what + ": has no POSITION attribute");
  Result<FloatData> positions = attribute("POSITION", {3});
  if (!positions) return positions.error();
  const std::size_t vertex_count = positions->count;
  if (vertex_count > UINT32_MAX) return make_error(what + ": too many vertices");

  Primitive primitive;
  primitive.name = model.meshes[mesh_index].name;
  primitive.positions = to_vectors<Vec3>(positions.value());

  auto optional_attribute = [&](const std::string& name, std::initializer_list<int> allowed,
                                auto& out) -> Status {
    if (!source.attributes.contains(name)) return Ok{};
    Result<FloatData> data = attribute(name, allowed);
    if (!data) return data.error();
    if (data->count != vertex_count) {
      return make_error(what + " " + name + ": " + std::to_string(data->count) + " elements but " +
                        std::to_string(vertex_count) + " positions");
    }
    out = to_vectors<typename std::decay_t<decltype(out)>::value_type>(data.value());
    return Ok{};
  };
  for (Status status : {optional_attribute("NORMAL", {3}, primitive.normals),
                        optional_attribute("TANGENT", {4}, primitive.tangents),
                        optional_attribute("TEXCOORD_0", {2}, primitive.uv0),
                        optional_attribute("TEXCOORD_1", {2}, primitive.uv1),
                        optional_attribute("COLOR_0", {3, 4}, primitive.colors)}) {
    if (!status) return status.error();
  }

  std::vector<std::uint32_t> indices;
  if (draco_source != nullptr) {
    indices.reserve(std::size_t(draco_mesh->num_faces()) * 3);
    for (draco::FaceIndex f(0); f < draco_mesh->num_faces(); ++f) {
      const auto& face = draco_mesh->face(f);
      for (int k = 0; k < 3; ++k) indices.push_back(face[k].value());
    }
  } else if (source.indices >= 0) {
    Result<std::vector<std::uint32_t>> read = read_indices(model, source.indices, what);
    if (!read) return read.error();
    indices = std::move(read.value());
  } else {
    indices.resize(vertex_count);
    for (std::size_t i = 0; i < vertex_count; ++i) indices[i] = static_cast<std::uint32_t>(i);
  }
  for (std::uint32_t index : indices) {
    if (index >= vertex_count) {
      return make_error(what + ": index " + std::to_string(index) + " is out of range (" +
                        std::to_string(vertex_count) + " vertices)");
    }
  }
  Result<std::vector<std::uint32_t>> list = triangle_list(source.mode, std::move(indices), what);
  if (!list) return list.error();
  if (list->empty()) return std::optional<Primitive>();
  primitive.indices = std::move(list.value());

  if (source.material >= 0 && static_cast<std::size_t>(source.material) >= model.materials.size()) {
    return make_error(what + ": material " + std::to_string(source.material) + " does not exist");
  }
  primitive.material = source.material;
  return std::optional<Primitive>(std::move(primitive));
}

// ---------------------------------------------------------------------------------
// Scene flattening

// Column-major 4x4, as glTF stores node matrices.
using Matrix = std::array<double, 16>;
constexpr Matrix kIdentity = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix out{};
  for (int column = 0; column < 4; ++column) {
    for (int row = 0; row < 4; ++row) {
      double sum = 0;
      for (int k = 0; k < 4; ++k) sum += a[k * 4 + row] * b[column * 4 + k];
      out[column * 4 + row] = sum;
    }
  }
  return out;
}

Result<Matrix> local_matrix(const tinygltf::Node& node, const std::string& what) {
  auto finite = [](const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  };
  if (!node.matrix.empty()) {
    if (node.matrix.size() != 16 || !finite(node.matrix))
      return make_error(what + ": matrix must be 16 finite numbers");
    Matrix m;
    std::copy(node.matrix.begin(), node.matrix.end(), m.begin());
    return m;
  }
  if ((!node.translation.empty() && node.translation.size() != 3) ||
      (!node.rotation.empty() && node.rotation.size() != 4) ||
      (!node.scale.empty() && node.scale.size() != 3) || !finite(node.translation) ||
      !finite(node.rotation) || !finite(node.scale)) {
    return make_error(what + ": translation, rotation or scale is malformed");
  }
  const std::array<double, 3> t =
      node.translation.empty()
          ? std::array<double, 3>{0, 0, 0}
          : std::array<double, 3>{node.translation[0], node.translation[1], node.translation[2]};
  const std::array<double, 3> s =
      node.scale.empty() ? std::array<double, 3>{1, 1, 1}
                         : std::array<double, 3>{node.scale[0], node.scale[1], node.scale[2]};
  double x = 0, y = 0, z = 0, w = 1;
  if (!node.rotation.empty()) {
    x = node.rotation[0], y = node.rotation[1], z = node.rotation[2], w = node.rotation[3];
    const double n = std::sqrt(x * x + y * y + z * z + w * w);
    if (n > 0) x /= n, y /= n, z /= n, w /= n;
  }
  const double r[9] = {1 - 2 * (y * y + z * z), 2 * (x * y + z * w),     2 * (x * z - y * w),
                       2 * (x * y - z * w),     1 - 2 * (x * x + z * z), 2 * (y * z + x * w),
                       2 * (x * z + y * w),     2 * (y * z - x * w),     1 - 2 * (x * x + y * y)};
  Matrix m{};
  for (int column = 0; column < 3; ++column) {
    for (int row = 0; row < 3; ++row) m[column * 4 + row] = r[column * 3 + row] * s[column];
  }
  m[12] = t[0], m[13] = t[1], m[14] = t[2], m[15] = 1;
  return m;
}

void transform_primitive(Primitive& primitive, const Matrix& m) {
  if (m == kIdentity) return;
  for (Vec3& p : primitive.positions) {
    const double x = p.x, y = p.y, z = p.z;
    p = {float(m[0] * x + m[4] * y + m[8] * z + m[12]),
         float(m[1] * x + m[5] * y + m[9] * z + m[13]),
         float(m[2] * x + m[6] * y + m[10] * z + m[14])};
  }
  // The cofactor matrix is det * inverse-transpose: it maps normals correctly up to
  // length and sign, which normalising and the determinant's sign fix.
  const double a = m[0], b = m[4], c = m[8], d = m[1], e = m[5], f = m[9], g = m[2], h = m[6],
               k = m[10];
  const double cofactor[9] = {e * k - f * h,    -(d * k - f * g), d * h - e * g,
                              -(b * k - c * h), a * k - c * g,    -(a * h - b * g),
                              b * f - c * e,    -(a * f - c * d), a * e - b * d};
  const double det = a * cofactor[0] + b * cofactor[1] + c * cofactor[2];
  const double sign = det < 0 ? -1 : 1;
  for (Vec3& n : primitive.normals) {
    const double x = n.x, y = n.y, z = n.z;
    n = normalize(Vec3{float(sign * (cofactor[0] * x + cofactor[1] * y + cofactor[2] * z)),
                       float(sign * (cofactor[3] * x + cofactor[4] * y + cofactor[5] * z)),
                       float(sign * (cofactor[6] * x + cofactor[7] * y + cofactor[8] * z))});
  }
  for (Vec4& t : primitive.tangents) {
    const double x = t.x, y = t.y, z = t.z;
    const Vec3 v =
        normalize(Vec3{float(m[0] * x + m[4] * y + m[8] * z), float(m[1] * x + m[5] * y + m[9] * z),
                       float(m[2] * x + m[6] * y + m[10] * z)});
    t = {v.x, v.y, v.z, t.w < 0 ? float(-sign) : float(sign)};
  }
  if (det < 0) {
    for (std::size_t i = 0; i + 2 < primitive.indices.size(); i += 3) {
      std::swap(primitive.indices[i + 1], primitive.indices[i + 2]);
    }
  }
}

// Root nodes of the scene to show: the default scene, else the first, else every node
// that is nobody's child.
Result<std::vector<int>> scene_roots(const tinygltf::Model& model) {
  std::vector<int> roots;
  if (!model.scenes.empty()) {
    const int scene = model.defaultScene >= 0 ? model.defaultScene : 0;
    if (static_cast<std::size_t>(scene) >= model.scenes.size()) {
      return make_error("scene " + std::to_string(scene) + " does not exist");
    }
    roots = model.scenes[scene].nodes;
  } else {
    std::vector<bool> is_child(model.nodes.size(), false);
    for (const tinygltf::Node& node : model.nodes) {
      for (int child : node.children) {
        if (child >= 0 && static_cast<std::size_t>(child) < is_child.size()) is_child[child] = true;
      }
    }
    for (std::size_t i = 0; i < model.nodes.size(); ++i) {
      if (!is_child[i]) roots.push_back(static_cast<int>(i));
    }
  }
  return roots;
}

struct MeshInstance {
  int mesh = -1;
  Matrix world = kIdentity;
};

Result<std::vector<MeshInstance>> mesh_instances(const tinygltf::Model& model) {
  std::vector<MeshInstance> instances;
  if (model.nodes.empty()) {
    for (std::size_t m = 0; m < model.meshes.size(); ++m)
      instances.push_back({static_cast<int>(m), kIdentity});
    return instances;
  }
  Result<std::vector<int>> roots = scene_roots(model);
  if (!roots) return roots.error();
  std::vector<bool> visited(model.nodes.size(), false);
  std::vector<std::pair<int, Matrix>> stack;
  for (auto it = roots->rbegin(); it != roots->rend(); ++it) stack.push_back({*it, kIdentity});
  while (!stack.empty()) {
    const auto [index, parent] = stack.back();
    stack.pop_back();
    const std::string what = "node " + std::to_string(index);
    if (index < 0 || static_cast<std::size_t>(index) >= model.nodes.size())
      return make_error(what + " does not exist");
    if (visited[index]) return make_error(what + " is reached twice (a cycle or a shared child)");
    visited[index] = true;
    const tinygltf::Node& node = model.nodes[index];
    Result<Matrix> local = local_matrix(node, what);
    if (!local) return local.error();
    const Matrix world = multiply(parent, local.value());
    if (node.mesh >= 0) {
      if (static_cast<std::size_t>(node.mesh) >= model.meshes.size()) {
        return make_error(what + ": mesh " + std::to_string(node.mesh) + " does not exist");
      }
      instances.push_back({node.mesh, world});
    }
    for (auto child = node.children.rbegin(); child != node.children.rend(); ++child)
      stack.push_back({*child, world});
  }
  return instances;
}

// ---------------------------------------------------------------------------------
// Materials and images

float number_or(const tinygltf::Value& value, float fallback) {
  return value.IsNumber() ? static_cast<float>(value.GetNumberAsDouble()) : fallback;
}

TextureTransform texture_transform(const tinygltf::ExtensionMap& extensions) {
  TextureTransform transform;
  const auto it = extensions.find("KHR_texture_transform");
  if (it == extensions.end() || !it->second.IsObject()) return transform;
  const tinygltf::Value& value = it->second;
  transform.present = true;
  auto pair = [&value](const char* key, Vec2 fallback) {
    const tinygltf::Value& array = value.Get(key);
    if (!array.IsArray() || array.ArrayLen() != 2) return fallback;
    return Vec2{number_or(array.Get(0), fallback.x), number_or(array.Get(1), fallback.y)};
  };
  transform.offset = pair("offset", {0, 0});
  transform.scale = pair("scale", {1, 1});
  transform.rotation = number_or(value.Get("rotation"), 0.0f);
  if (value.Get("texCoord").IsInt()) transform.texcoord = value.Get("texCoord").GetNumberAsInt();
  return transform;
}

Result<TextureRef> texture_ref(const ReadState& state, int texture_index, int texcoord,
                               const tinygltf::ExtensionMap& extensions, const std::string& what) {
  TextureRef ref;
  if (texture_index < 0) return ref;
  const tinygltf::Model& model = state.model;
  if (static_cast<std::size_t>(texture_index) >= model.textures.size()) {
    return make_error(what + ": texture " + std::to_string(texture_index) + " does not exist");
  }
  const tinygltf::Texture& texture = model.textures[texture_index];
  int source = texture.source;
  if (const auto webp = texture.extensions.find("EXT_texture_webp");
      webp != texture.extensions.end()) {
    if (webp->second.Get("source").IsInt()) source = webp->second.Get("source").GetNumberAsInt();
  }
  if (source < 0) return ref;
  if (static_cast<std::size_t>(source) >= model.images.size()) {
    return make_error(what + ": image " + std::to_string(source) + " does not exist");
  }
  ref.image = state.image_map[source];
  if (ref.image < 0) return TextureRef{};
  ref.texcoord = texcoord;
  if (texture.sampler >= 0) {
    if (static_cast<std::size_t>(texture.sampler) >= model.samplers.size()) {
      return make_error(what + ": sampler " + std::to_string(texture.sampler) + " does not exist");
    }
    const tinygltf::Sampler& sampler = model.samplers[texture.sampler];
    ref.sampler.wrap_s = sampler.wrapS;
    ref.sampler.wrap_t = sampler.wrapT;
    ref.sampler.min_filter = std::max(sampler.minFilter, 0);
    ref.sampler.mag_filter = std::max(sampler.magFilter, 0);
  }
  ref.transform = texture_transform(extensions);
  return ref;
}

Result<Material> read_material(const ReadState& state, std::size_t index) {
  const tinygltf::Material& source = state.model.materials[index];
  const std::string what = "material " + std::to_string(index);
  const tinygltf::PbrMetallicRoughness& pbr = source.pbrMetallicRoughness;
  Material material;
  material.name = source.name;
  if (pbr.baseColorFactor.size() == 4) {
    material.base_color_factor = {float(pbr.baseColorFactor[0]), float(pbr.baseColorFactor[1]),
                                  float(pbr.baseColorFactor[2]), float(pbr.baseColorFactor[3])};
  }
  material.metallic_factor = float(pbr.metallicFactor);
  material.roughness_factor = float(pbr.roughnessFactor);
  if (source.emissiveFactor.size() == 3) {
    material.emissive_factor = {float(source.emissiveFactor[0]), float(source.emissiveFactor[1]),
                                float(source.emissiveFactor[2])};
  }
  material.normal_scale = float(source.normalTexture.scale);
  material.occlusion_strength = float(source.occlusionTexture.strength);
  material.alpha_mode = source.alphaMode == "MASK"    ? AlphaMode::Mask
                        : source.alphaMode == "BLEND" ? AlphaMode::Blend
                                                      : AlphaMode::Opaque;
  material.alpha_cutoff = float(source.alphaCutoff);
  material.double_sided = source.doubleSided;

  struct Slot {
    TextureRef* target;
    int texture;
    int texcoord;
    const tinygltf::ExtensionMap* extensions;
  };
  const Slot slots[] = {
      {&material.base_color_texture, pbr.baseColorTexture.index, pbr.baseColorTexture.texCoord,
       &pbr.baseColorTexture.extensions},
      {&material.metallic_roughness_texture, pbr.metallicRoughnessTexture.index,
       pbr.metallicRoughnessTexture.texCoord, &pbr.metallicRoughnessTexture.extensions},
      {&material.normal_texture, source.normalTexture.index, source.normalTexture.texCoord,
       &source.normalTexture.extensions},
      {&material.occlusion_texture, source.occlusionTexture.index, source.occlusionTexture.texCoord,
       &source.occlusionTexture.extensions},
      {&material.emissive_texture, source.emissiveTexture.index, source.emissiveTexture.texCoord,
       &source.emissiveTexture.extensions},
  };
  for (const Slot& slot : slots) {
    Result<TextureRef> ref =
        texture_ref(state, slot.texture, slot.texcoord, *slot.extensions, what);
    if (!ref) return ref.error();
    *slot.target = ref.value();
  }
  return material;
}

// Decodes every image. An external image that could not be loaded is dropped (with a
// note); image data that is present but corrupt is an error.
Status read_images(ReadState& state, Mesh& mesh, std::vector<std::string>& notes) {
  const tinygltf::Model& model = state.model;
  state.image_map.assign(model.images.size(), -1);
  for (std::size_t i = 0; i < model.images.size(); ++i) {
    const tinygltf::Image& source = model.images[i];
    const std::string what = "image " + std::to_string(i);
    ByteView encoded;
    if (source.bufferView >= 0) {
      Result<ByteView> bytes = view_bytes(model, source.bufferView, what);
      if (!bytes) return bytes.error();
      encoded = bytes.value();
    } else {
      encoded = ByteView(source.image);
    }
    if (encoded.empty()) {
      notes.push_back("image '" + source.uri + "' could not be loaded, its textures are dropped");
      continue;
    }
    MeshImage image;
    image.name = !source.name.empty()                ? source.name
                 : source.uri.rfind("data:", 0) == 0 ? ""
                                                     : source.uri;
    image.mime_type = sniff_image_mime_type(encoded);
    if (image.mime_type.empty()) return make_error(what + " is not PNG, JPEG or WebP");
    Result<Image> pixels = decode_image(encoded, 4);
    if (!pixels) return with_context(what, pixels.error());
    image.pixels = std::move(pixels.value());
    image.encoded.assign(encoded.begin(), encoded.end());
    state.image_map[i] = static_cast<int>(mesh.images.size());
    mesh.images.push_back(std::move(image));
  }
  return Ok{};
}

std::string dropped_summary(const tinygltf::Model& model, const ReadState& state) {
  std::vector<std::string> dropped;
  if (model.skins.size() == 1) dropped.push_back("skin");
  if (model.skins.size() > 1) dropped.push_back(plural(model.skins.size(), "skin"));
  if (!model.animations.empty()) dropped.push_back(plural(model.animations.size(), "animation"));
  if (state.morph_targets) dropped.push_back("morph targets");
  if (state.skipped_non_triangles > 0) {
    dropped.push_back(plural(state.skipped_non_triangles, "point/line primitive"));
  }
  if (dropped.empty()) return {};
  std::string text;
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == dropped.size() ? " and " : ", ") + dropped[i];
  }
  return text + " not kept";
}

Result<Mesh> convert_model(const tinygltf::Model& model, const DracoTable& draco, bool binary,
                           FormatDetails* details) {
  ReadState state{model, draco, {}, 0, false};
  Mesh mesh;
  std::vector<std::string> notes;
  if (Status status = read_images(state, mesh, notes); !status) return status.error();
  for (std::size_t i = 0; i < model.materials.size(); ++i) {
    Result<Material> material = read_material(state, i);
    if (!material) return material.error();
    mesh.materials.push_back(std::move(material.value()));
  }

  Result<std::vector<MeshInstance>> instances = mesh_instances(model);
  if (!instances) return instances.error();
  // Each mesh is read once; the flattened size is checked before any instance is copied.
  std::map<int, std::vector<Primitive>> local_meshes;
  std::size_t flattened_vertices = 0, flattened_indices = 0;
  for (const MeshInstance& instance : instances.value()) {
    auto cached = local_meshes.find(instance.mesh);
    if (cached == local_meshes.end()) {
      std::vector<Primitive> primitives;
      const tinygltf::Mesh& source = model.meshes[instance.mesh];
      for (std::size_t p = 0; p < source.primitives.size(); ++p) {
        Result<std::optional<Primitive>> primitive = read_primitive(state, instance.mesh, p);
        if (!primitive) return primitive.error();
        if (primitive->has_value()) primitives.push_back(std::move(**primitive));
      }
      cached = local_meshes.emplace(instance.mesh, std::move(primitives)).first;
    }
    for (const Primitive& local : cached->second) {
      flattened_vertices += local.positions.size();
      flattened_indices += local.indices.size();
    }
    if (flattened_vertices > kMaxFlattenedVertices ||
        flattened_indices > 3 * kMaxFlattenedVertices) {
      return make_error("flattening the scene's node instances exceeds " +
                        std::to_string(kMaxFlattenedVertices) + " vertices");
    }
  }
  for (const MeshInstance& instance : instances.value()) {
    for (const Primitive& local : local_meshes.at(instance.mesh)) {
      Primitive world = local;
      transform_primitive(world, instance.world);
      mesh.primitives.push_back(std::move(world));
    }
  }
  if (mesh.primitives.empty()) return make_error("the scene has no triangles to show");
  if (model.meshes.size() == 1) mesh.name = model.meshes[0].name;
  if (std::string problem = mesh.validate(); !problem.empty()) return make_error(problem);

  if (details != nullptr) {
    details->format = binary ? Format::Glb : Format::Gltf;
    std::string description = std::string(binary ? "GLB" : "glTF") + ", " +
                              plural(model.meshes.size(), "mesh", "meshes") + ", " +
                              plural(mesh.primitives.size(), "primitive");
    if (!draco.empty()) description += ", Draco";
    const std::string dropped = dropped_summary(model, state);
    if (!dropped.empty()) notes.insert(notes.begin(), dropped);
    for (std::size_t i = 0; i < notes.size(); ++i) description += (i == 0 ? "; " : ", ") + notes[i];
    details->description = description;
  }
  return mesh;
}

Result<Mesh> decode_gltf_checked(ByteView bytes, const ResourceLoader& load,
                                 FormatDetails* details) {
  const bool binary = bytes.size() >= 4 && std::memcmp(bytes.data(), "glTF", 4) == 0;
  std::string_view json_text;
  ByteView bin;
  if (binary) {
    Result<GlbParts> parts = split_glb(bytes);
    if (!parts) return parts.error();
    json_text = parts->json;
    bin = parts->bin;
  } else {
    json_text = as_chars(bytes);
    if (json_text.starts_with("\xEF\xBB\xBF")) json_text.remove_prefix(3);
  }
  Json document = Json::parse(json_text, nullptr, false);
  if (document.is_discarded())
    return make_error(std::string(binary ? "GLB" : "glTF") + ": the JSON is malformed");
  DracoTable draco;
  Result<bool> changed = prepare_document(document, draco);
  if (!changed) return changed.error();
  const std::string rewritten = changed.value() ? document.dump() : std::string();
  if (changed.value()) json_text = rewritten;

  LoaderContext context{&load};
  tinygltf::TinyGLTF parser;
  parser.SetFsCallbacks(
      {&any_file_exists, &path_unchanged, &read_through_loader, &refuse_write, &context});
  parser.SetImageLoader(&keep_encoded_image, nullptr);
  tinygltf::Model model;
  std::string error, warning;
  bool parsed = false;
  if (binary) {
    const Bytes glb = assemble_glb(json_text, bin);
    if (glb.size() > UINT32_MAX) return make_error("GLB: larger than 4 GiB");
    parsed = parser.LoadBinaryFromMemory(&model, &error, &warning, glb.data(),
                                         static_cast<unsigned>(glb.size()), "");
  } else {
    if (json_text.size() > UINT32_MAX) return make_error("glTF: JSON larger than 4 GiB");
    parsed = parser.LoadASCIIFromString(&model, &error, &warning, json_text.data(),
                                        static_cast<unsigned>(json_text.size()), "");
  }
  if (!parsed) {
    std::string message = one_line(error);
    if (message.empty()) message = one_line(warning);
    if (message.empty()) message = "tinygltf could not read the document";
    return make_error(std::string(binary ? "GLB: " : "glTF: ") + message);
  }
  Result<Mesh> mesh = convert_model(model, draco, binary, details);
  if (!mesh) return with_context(binary ? "GLB" : "glTF", mesh.error());
  return mesh;
}

}  // namespace

Result<Mesh> decode_gltf(ByteView bytes, const ResourceLoader& load, FormatDetails* details) {
  try {
    return decode_gltf_checked(bytes, load, details);
  } catch (const std::exception& e) {
    return make_error(std::string("glTF: ") + e.what());
  }
}

}  // namespace atlas
