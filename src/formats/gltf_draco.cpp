#include "formats/gltf_draco.h"

#include <draco/compression/decode.h>

#include <cstdint>

namespace atlas::gltf {

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

}  // namespace atlas::gltf
