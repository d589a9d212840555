#include "formats/gltf_accessors.h"

#include <cmath>
#include <cstring>

namespace atlas::gltf {

namespace {

// An accessor without a bufferView is all zeros (plus sparse values): its count is not
// backed by bytes in the file, so it gets a fixed ceiling instead.
constexpr std::uint64_t kMaxUnbackedElements = std::uint64_t{1} << 24;

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

}  // namespace

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

}  // namespace atlas::gltf
