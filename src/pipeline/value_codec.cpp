#include "pipeline/value_codec.h"

#include <cstring>
#include <type_traits>

#include "core/byte_reader.h"

namespace atlas::pipeline {
namespace {

constexpr std::uint32_t kMagic = 0x564c5441;  // "ATLV"
constexpr std::uint32_t kFormatVersion = 1;

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&value);
    bytes.insert(bytes.end(), raw, raw + sizeof(T));
  }
  template <typename T>
  void put_vector(const std::vector<T>& values) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(values.size());
    const auto* raw = reinterpret_cast<const std::uint8_t*>(values.data());
    bytes.insert(bytes.end(), raw, raw + values.size() * sizeof(T));
  }
  void put_text(const std::string& text) {
    put<std::uint64_t>(text.size());
    bytes.insert(bytes.end(), text.begin(), text.end());
  }
  Bytes bytes;
};

class Reader {
 public:
  explicit Reader(ByteView bytes) : reader_(bytes) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    if constexpr (std::is_same_v<T, bool>) {  // only 0 and 1 are bools; other bytes are damage
      const auto byte = get<std::uint8_t>();
      if (byte > 1) failed_ = true;
      return byte == 1;
    }
    T value{};
    const ByteView raw = reader_.take(sizeof(T));
    if (raw.size() != sizeof(T))
      failed_ = true;
    else
      std::memcpy(&value, raw.data(), sizeof(T));
    return value;
  }
  // A count of items of `item_size` bytes that the remaining bytes can hold.
  std::size_t count(std::size_t item_size) {
    const auto n = get<std::uint64_t>();
    if (failed_ || n > reader_.remaining() / std::max<std::size_t>(item_size, 1)) {
      failed_ = true;
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  template <typename T>
  std::vector<T> get_vector() {
    std::vector<T> values(count(sizeof(T)));
    const ByteView raw = reader_.take(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), raw.data(), raw.size());
    return values;
  }
  std::string get_text() {
    const ByteView raw = reader_.take(count(1));
    return std::string(raw.begin(), raw.end());
  }
  bool failed() const { return failed_; }
  bool at_end() const { return reader_.remaining() == 0; }

 private:
  ByteReader reader_;
  bool failed_ = false;
};

void put_image(Writer& out, const Image& image) {
  out.put<std::int32_t>(image.width);
  out.put<std::int32_t>(image.height);
  out.put<std::int32_t>(image.channels);
  out.put_vector(image.pixels);
}

Image get_image(Reader& in) {
  Image image;
  image.width = in.get<std::int32_t>();
  image.height = in.get<std::int32_t>();
  image.channels = in.get<std::int32_t>();
  image.pixels = in.get_vector<std::uint8_t>();
  return image;
}

// Material's texture references and factors are plain values, written field by field
// so padding never reaches the file.
void put_texture(Writer& out, const TextureRef& texture) {
  out.put(texture.image);
  out.put(texture.texcoord);
  out.put(texture.sampler);
  out.put(texture.transform.present);
  out.put(texture.transform.offset);
  out.put(texture.transform.rotation);
  out.put(texture.transform.scale);
  out.put(texture.transform.texcoord);
}

TextureRef get_texture(Reader& in) {
  TextureRef texture;
  texture.image = in.get<int>();
  texture.texcoord = in.get<int>();
  texture.sampler = in.get<Sampler>();
  texture.transform.present = in.get<bool>();
  texture.transform.offset = in.get<Vec2>();
  texture.transform.rotation = in.get<float>();
  texture.transform.scale = in.get<Vec2>();
  texture.transform.texcoord = in.get<int>();
  return texture;
}

void put_mesh(Writer& out, const Mesh& mesh) {
  out.put_text(mesh.name);
  out.put<std::uint64_t>(mesh.primitives.size());
  for (const Primitive& p : mesh.primitives) {
    out.put_text(p.name);
    out.put_vector(p.positions);
    out.put_vector(p.normals);
    out.put_vector(p.tangents);
    out.put_vector(p.uv0);
    out.put_vector(p.uv1);
    out.put_vector(p.colors);
    out.put_vector(p.indices);
    out.put(p.material);
  }
  out.put<std::uint64_t>(mesh.materials.size());
  for (const Material& m : mesh.materials) {
    out.put_text(m.name);
    out.put(m.base_color_factor);
    for (const TextureRef* texture : {&m.base_color_texture, &m.metallic_roughness_texture,
                                      &m.normal_texture, &m.occlusion_texture, &m.emissive_texture})
      put_texture(out, *texture);
    out.put(m.metallic_factor);
    out.put(m.roughness_factor);
    out.put(m.normal_scale);
    out.put(m.occlusion_strength);
    out.put(m.emissive_factor);
    out.put(static_cast<std::uint8_t>(m.alpha_mode));
    out.put(m.alpha_cutoff);
    out.put(m.double_sided);
  }
  out.put<std::uint64_t>(mesh.images.size());
  for (const MeshImage& image : mesh.images) {
    out.put_text(image.name);
    out.put_text(image.mime_type);
    out.put_vector(image.encoded);
    put_image(out, image.pixels);
  }
}

Mesh get_mesh(Reader& in) {
  Mesh mesh;
  mesh.name = in.get_text();
  mesh.primitives.resize(in.count(64));
  for (Primitive& p : mesh.primitives) {
    p.name = in.get_text();
    p.positions = in.get_vector<Vec3>();
    p.normals = in.get_vector<Vec3>();
    p.tangents = in.get_vector<Vec4>();
    p.uv0 = in.get_vector<Vec2>();
    p.uv1 = in.get_vector<Vec2>();
    p.colors = in.get_vector<Vec4>();
    p.indices = in.get_vector<std::uint32_t>();
    p.material = in.get<int>();
  }
  mesh.materials.resize(in.count(64));
  for (Material& m : mesh.materials) {
    m.name = in.get_text();
    m.base_color_factor = in.get<Vec4>();
    for (TextureRef* texture : {&m.base_color_texture, &m.metallic_roughness_texture,
                                &m.normal_texture, &m.occlusion_texture, &m.emissive_texture})
      *texture = get_texture(in);
    m.metallic_factor = in.get<float>();
    m.roughness_factor = in.get<float>();
    m.normal_scale = in.get<float>();
    m.occlusion_strength = in.get<float>();
    m.emissive_factor = in.get<Vec3>();
    m.alpha_mode = static_cast<AlphaMode>(std::min<std::uint8_t>(in.get<std::uint8_t>(), 2));
    m.alpha_cutoff = in.get<float>();
    m.double_sided = in.get<bool>();
  }
  mesh.images.resize(in.count(32));
  for (MeshImage& image : mesh.images) {
    image.name = in.get_text();
    image.mime_type = in.get_text();
    image.encoded = in.get_vector<std::uint8_t>();
    image.pixels = get_image(in);
  }
  return mesh;
}

void put_value(Writer& out, const Value& value) {
  out.put(static_cast<std::uint8_t>(value.type()));
  switch (value.type()) {
    case ValueType::File: {
      const InputFile& file = *value.file();
      out.put_text(file.path.string());
      out.put_text(file.sha256);
      break;
    }
    case ValueType::Splat: {
      const SplatCloud& cloud = *value.splat();
      out.put<std::int32_t>(cloud.sh_degree);
      out.put_vector(cloud.positions);
      out.put_vector(cloud.log_scales);
      out.put_vector(cloud.rotations);
      out.put_vector(cloud.opacity_logits);
      out.put_vector(cloud.sh_dc);
      out.put_vector(cloud.sh_rest);
      break;
    }
    case ValueType::Mesh:
      put_mesh(out, *value.mesh());
      break;
    case ValueType::Lods: {
      const std::vector<const Mesh*> levels = value.levels();
      out.put<std::uint64_t>(levels.size());
      for (const Mesh* level : levels) put_mesh(out, *level);
      break;
    }
    case ValueType::Image:
      put_image(out, *value.image());
      break;
    case ValueType::Report: {
      const Report& report = *value.report();
      out.put<std::uint64_t>(report.metrics.size());
      for (const auto& [name, metric] : report.metrics) {
        out.put_text(name);
        out.put(metric);
      }
      out.put_text(report.details_json);
      out.put<std::uint64_t>(report.warnings.size());
      for (const std::string& warning : report.warnings) out.put_text(warning);
      break;
    }
    case ValueType::Files: {
      const FileSet& files = *value.files();
      out.put<std::uint64_t>(files.size());
      for (const OutputFile& file : files) {
        out.put_text(file.name);
        out.put_vector(file.bytes);
      }
      break;
    }
    case ValueType::Asset:
      break;  // never a concrete type
  }
}

Result<Value> get_value(Reader& in) {
  const auto type = static_cast<ValueType>(in.get<std::uint8_t>());
  switch (type) {
    case ValueType::File: {
      InputFile file;
      file.path = in.get_text();
      file.sha256 = in.get_text();
      return Value(std::move(file));
    }
    case ValueType::Splat: {
      SplatCloud cloud;
      cloud.sh_degree = in.get<std::int32_t>();
      cloud.positions = in.get_vector<Vec3>();
      cloud.log_scales = in.get_vector<Vec3>();
      cloud.rotations = in.get_vector<Quat>();
      cloud.opacity_logits = in.get_vector<float>();
      cloud.sh_dc = in.get_vector<Vec3>();
      cloud.sh_rest = in.get_vector<float>();
      if (cloud.sh_degree < 0 || cloud.sh_degree > 3 || !cloud.consistent())
        return make_error("inconsistent splat cloud");
      return Value(std::move(cloud));
    }
    case ValueType::Mesh:
      return Value(get_mesh(in));
    case ValueType::Lods: {
      LodChain chain(in.count(16));
      for (Mesh& level : chain) level = get_mesh(in);
      return Value(std::move(chain));
    }
    case ValueType::Image:
      return Value(get_image(in));
    case ValueType::Report: {
      Report report;
      const std::size_t metrics = in.count(16);
      for (std::size_t i = 0; i < metrics && !in.failed(); ++i) {
        std::string name = in.get_text();
        report.metrics[name] = in.get<double>();
      }
      report.details_json = in.get_text();
      report.warnings.resize(in.count(8));
      for (std::string& warning : report.warnings) warning = in.get_text();
      return Value(std::move(report));
    }
    case ValueType::Files: {
      FileSet files(in.count(16));
      for (OutputFile& file : files) {
        file.name = in.get_text();
        file.bytes = in.get_vector<std::uint8_t>();
      }
      return Value(std::move(files));
    }
    case ValueType::Asset:
      break;
  }
  return make_error("unknown value type " + std::to_string(int(type)));
}

}  // namespace

Bytes encode_values(const Values& values) {
  Writer out;
  out.put(kMagic);
  out.put(kFormatVersion);
  out.put<std::uint64_t>(values.size());
  for (const auto& [port, value] : values) {
    out.put_text(port);
    out.put<bool>(value.empty());
    if (!value.empty()) put_value(out, value);
  }
  return std::move(out.bytes);
}

Result<Values> decode_values(ByteView bytes) {
  Reader in(bytes);
  if (in.get<std::uint32_t>() != kMagic || in.get<std::uint32_t>() != kFormatVersion)
    return make_error("not an Atlas cache entry of this version");
  Values values;
  const std::size_t count = in.count(9);
  for (std::size_t i = 0; i < count && !in.failed(); ++i) {
    std::string port = in.get_text();
    if (in.get<bool>()) {
      values[port] = Value();
      continue;
    }
    Result<Value> value = get_value(in);
    if (!value) return value.error();
    values[port] = std::move(*value);
  }
  if (in.failed() || !in.at_end()) return make_error("truncated or damaged cache entry");
  return values;
}

}  // namespace atlas::pipeline
