#include "formats/draco_encoder.h"

#include <draco/compression/decode.h>
#include <draco/compression/encode.h>
#include <draco/mesh/mesh.h>

#include <cmath>

namespace atlas::gltf {

namespace {

struct DracoKind {
  draco::GeometryAttribute::Type type;
  int quantization_bits;
};

DracoKind kind_of(const std::string& name) {
  if (name == "POSITION") return {draco::GeometryAttribute::POSITION, 14};
  if (name == "NORMAL") return {draco::GeometryAttribute::NORMAL, 10};
  if (name.rfind("TEXCOORD_", 0) == 0) return {draco::GeometryAttribute::TEX_COORD, 12};
  if (name.rfind("COLOR_", 0) == 0) return {draco::GeometryAttribute::COLOR, 10};
  return {draco::GeometryAttribute::GENERIC, 10};
}

}  // namespace

Result<DracoPrimitive> encode_draco_primitive(std::size_t vertex_count,
                                              const std::vector<DracoAttributeInput>& attributes,
                                              const std::vector<std::uint32_t>& indices) {
  if (indices.size() % 3 != 0 || indices.empty())
    return make_error("Draco: the index list is not whole triangles");
  if (vertex_count == 0 || vertex_count > std::numeric_limits<std::uint32_t>::max())
    return make_error("Draco: no vertices or too many");
  draco::Mesh mesh;
  mesh.set_num_points(static_cast<std::uint32_t>(vertex_count));
  draco::Encoder encoder;
  std::map<std::string, int> local_ids;
  for (const DracoAttributeInput& input : attributes) {
    if (input.components < 1 || input.components > 4 || input.values == nullptr)
      return make_error("Draco: attribute " + input.name + " is malformed");
    const DracoKind kind = kind_of(input.name);
    draco::GeometryAttribute attribute;
    attribute.Init(kind.type, nullptr, static_cast<std::uint8_t>(input.components),
                   draco::DT_FLOAT32, false, sizeof(float) * input.components, 0);
    const int id = mesh.AddAttribute(attribute, true, static_cast<std::uint32_t>(vertex_count));
    draco::PointAttribute* stored = mesh.attribute(id);
    for (std::size_t i = 0; i < vertex_count; ++i)
      stored->SetAttributeValue(draco::AttributeValueIndex(static_cast<std::uint32_t>(i)),
                                input.values + i * input.components);
    encoder.SetAttributeQuantization(kind.type, kind.quantization_bits);
    local_ids[input.name] = id;
  }
  if (!local_ids.contains("POSITION")) return make_error("Draco: no POSITION attribute");
  for (std::size_t t = 0; t < indices.size(); t += 3) {
    draco::Mesh::Face face;
    for (int c = 0; c < 3; ++c) {
      if (indices[t + c] >= vertex_count) return make_error("Draco: an index is out of range");
      face[c] = draco::PointIndex(indices[t + c]);
    }
    mesh.AddFace(face);
  }
  draco::EncoderBuffer buffer;
  if (const draco::Status status = encoder.EncodeMeshToBuffer(mesh, &buffer); !status.ok())
    return make_error("Draco: " + status.error_msg_string());

  draco::DecoderBuffer encoded;
  encoded.Init(buffer.data(), buffer.size());
  draco::Decoder decoder;
  auto decoded = decoder.DecodeMeshFromBuffer(&encoded);
  if (!decoded.ok() || decoded.value() == nullptr)
    return make_error("Draco: the encoded mesh does not decode");
  const draco::Mesh& result = *decoded.value();
  DracoPrimitive out;
  const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.data());
  out.bytes.assign(data, data + buffer.size());
  out.points = result.num_points();
  out.triangles = result.num_faces();
  for (const auto& [name, id] : local_ids)
    out.attribute_ids[name] = static_cast<int>(mesh.attribute(id)->unique_id());
  const draco::PointAttribute* positions =
      result.GetAttributeByUniqueId(static_cast<std::uint32_t>(out.attribute_ids["POSITION"]));
  if (positions == nullptr) return make_error("Draco: the decoded mesh lost its positions");
  Bounds bounds;
  for (draco::PointIndex i(0); i < result.num_points(); ++i) {
    float p[3] = {0, 0, 0};
    positions->ConvertValue<float>(positions->mapped_index(i), 3, p);
    bounds.extend({p[0], p[1], p[2]});
  }
  out.position_min = bounds.min;
  out.position_max = bounds.max;
  return out;
}

}  // namespace atlas::gltf
