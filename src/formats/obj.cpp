// Wavefront OBJ + MTL. Corners are (v, vt, vn) triples welded into unique vertices,
// one primitive per material. OBJ texture coordinates have their origin at the image's
// bottom-left while Atlas's is top-left, so v is flipped on read and on write.

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/byte_reader.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"

namespace atlas {

namespace {

constexpr const char* kGenerator = "Atlas 0.1.0";
constexpr int kClampToEdge = 33071;

// ---------------------------------------------------------------------------------
// Line tokenising

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

class Tokens {
 public:
  explicit Tokens(std::string_view line) : rest_(line) {}

  std::string_view next() {
    std::size_t start = 0;
    while (start < rest_.size() && is_space(rest_[start])) ++start;
    std::size_t end = start;
    while (end < rest_.size() && !is_space(rest_[end])) ++end;
    const std::string_view token = rest_.substr(start, end - start);
    rest_.remove_prefix(end);
    return token;
  }

  // Everything not yet read, without surrounding blanks (names may contain spaces).
  std::string_view remainder() const {
    std::string_view text = rest_;
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
  }

 private:
  std::string_view rest_;
};

std::optional<float> parse_float(std::string_view token) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  float value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_integer(std::string_view token) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

// Reads up to `count` numbers; stops (without consuming) at the first non-number.
int read_floats(Tokens& tokens, float* out, int count) {
  int read = 0;
  while (read < count) {
    Tokens probe = tokens;
    const std::string_view token = probe.next();
    const std::optional<float> value = parse_float(token);
    if (token.empty() || !value) break;
    out[read++] = *value;
    tokens = probe;
  }
  return read;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string location(std::size_t line) { return "line " + std::to_string(line); }

template <typename Callback>
void for_each_line(ByteView bytes, Callback&& callback) {
  const std::string_view text = as_chars(bytes);
  std::size_t start = 0, number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    if (!callback(text.substr(start, end - start), number)) return;
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------------
// MTL

std::string folder_of(std::string_view uri) {
  const std::size_t slash = uri.find_last_of('/');
  return slash == std::string_view::npos ? std::string() : std::string(uri.substr(0, slash + 1));
}

// A texture named relative to its MTL file, as a URI relative to the OBJ file.
std::string joined(const std::string& folder, const std::string& file) {
  return std::filesystem::path(folder + file).lexically_normal().generic_string();
}

struct TextureStatement {
  std::string file;
  TextureRef ref;
  float bump_scale = 1;
};

// Parses "map_Xx [options] file". -o/-s become a texture transform (converted to the
// top-left UV origin), -clamp the sampler, -bm the normal scale; other options are
// skipped with their arguments.
TextureStatement parse_texture_statement(Tokens tokens) {
  static const std::map<std::string, int> kOptionArguments = {
      {"-blendu", 1}, {"-blendv", 1}, {"-cc", 1}, {"-clamp", 1}, {"-imfchan", 1},
      {"-texres", 1}, {"-type", 1},   {"-bm", 1}, {"-boost", 1}, {"-mm", 2},
      {"-o", 3},      {"-s", 3},      {"-t", 3}};
  TextureStatement statement;
  Vec2 offset{0, 0}, scale{1, 1};
  while (true) {
    Tokens probe = tokens;
    const std::string option = lower(probe.next());
    const auto known = kOptionArguments.find(option);
    if (known == kOptionArguments.end()) break;
    tokens = probe;
    if (option == "-o" || option == "-s" || option == "-t") {
      float values[3] = {option == "-s" ? 1.0f : 0.0f, option == "-s" ? 1.0f : 0.0f, 0};
      read_floats(tokens, values, 3);
      if (option == "-o") offset = {values[0], values[1]};
      if (option == "-s") scale = {values[0], values[1]};
    } else if (option == "-bm") {
      float value = 1;
      if (read_floats(tokens, &value, 1) == 1) statement.bump_scale = value;
    } else if (option == "-clamp") {
      if (lower(tokens.next()) == "on")
        statement.ref.sampler.wrap_s = statement.ref.sampler.wrap_t = kClampToEdge;
    } else if (option == "-mm") {
      float values[2];
      read_floats(tokens, values, 2);
    } else {
      tokens.next();
    }
  }
  if (offset.x != 0 || offset.y != 0 || scale.x != 1 || scale.y != 1) {
    TextureTransform& transform = statement.ref.transform;
    transform.present = true;
    transform.scale = scale;
    transform.offset = {offset.x, 1 - scale.y - offset.y};
  }
  statement.file = std::string(tokens.remainder());
  for (char& c : statement.file) c = c == '\\' ? '/' : c;
  return statement;
}

class MaterialLibrary {
 public:
  MaterialLibrary(Mesh& mesh, const ResourceLoader& load, std::vector<std::string>& notes)
      : mesh_(mesh), load_(load), notes_(notes) {}

  // Returns false (noting nothing) when the library cannot be loaded.
  bool read(std::string_view uri) {
    Result<Bytes> bytes = load_ ? load_(uri) : Result<Bytes>(make_error("no resource loader"));
    if (!bytes) return false;
    const std::string folder = folder_of(uri);
    Pending* current = nullptr;
    for_each_line(bytes.value(), [&](std::string_view line, std::size_t) {
      Tokens tokens(line);
      const std::string_view keyword = tokens.next();
      if (keyword.empty() || keyword.front() == '#') return true;
      if (keyword == "newmtl") {
        pending_.push_back({});
        current = &pending_.back();
        current->material.name = std::string(tokens.remainder());
        // OBJ materials are dielectric unless Pm says otherwise.
        current->material.metallic_factor = 0;
        current->folder = folder;
        return true;
      }
      if (current != nullptr) parse_statement(*current, lower(keyword), tokens);
      return true;
    });
    return true;
  }

  // Turns the materials parsed since the last call into Mesh materials (loading their
  // textures) and adds them to the name -> index table; earlier names win.
  void finish(std::map<std::string, int>& indices) {
    for (; finished_ < pending_.size(); ++finished_) {
      Pending& pending = pending_[finished_];
      Material& material = pending.material;
      if (!pending.roughness_given) {
        // Blinn-Phong exponent to roughness, the usual sqrt(2 / (Ns + 2)) mapping.
        material.roughness_factor =
            std::clamp(std::sqrt(2.0f / (std::fmax(pending.shininess, 0.0f) + 2.0f)), 0.0f, 1.0f);
      }
      if (pending.alpha < 1) material.alpha_mode = AlphaMode::Blend;
      material.base_color_factor.w = std::clamp(pending.alpha, 0.0f, 1.0f);
      if (bind(pending.diffuse_map, material.base_color_texture, pending.folder)) {
        material.base_color_factor = {1, 1, 1, material.base_color_factor.w};
      }
      if (bind(pending.normal_map, material.normal_texture, pending.folder)) {
        material.normal_scale = pending.normal_map->bump_scale;
      }
      if (bind(pending.emissive_map, material.emissive_texture, pending.folder) &&
          !pending.emissive_given) {
        material.emissive_factor = {1, 1, 1};
      }
      bind_metallic_roughness(pending);
      indices.emplace(material.name, static_cast<int>(mesh_.materials.size()));
      mesh_.materials.push_back(material);
    }
  }

 private:
  struct Pending {
    Material material;
    std::string folder;
    float alpha = 1;
    float shininess = 0;
    bool roughness_given = false;
    bool emissive_given = false;
    std::optional<TextureStatement> diffuse_map, normal_map, emissive_map, roughness_map,
        metallic_map;
  };

  void parse_statement(Pending& pending, const std::string& keyword, Tokens& tokens) {
    Material& material = pending.material;
    float v[3] = {0, 0, 0};
    if (keyword == "kd" && read_floats(tokens, v, 3) >= 1) {
      material.base_color_factor = {v[0], v[1], v[2], material.base_color_factor.w};
    } else if (keyword == "d" && read_floats(tokens, v, 1) == 1) {
      pending.alpha = v[0];
    } else if (keyword == "tr" && read_floats(tokens, v, 1) == 1) {
      pending.alpha = 1 - v[0];
    } else if (keyword == "ns" && read_floats(tokens, v, 1) == 1) {
      pending.shininess = v[0];
    } else if (keyword == "pr" && read_floats(tokens, v, 1) == 1) {
      material.roughness_factor = std::clamp(v[0], 0.0f, 1.0f);
      pending.roughness_given = true;
    } else if (keyword == "pm" && read_floats(tokens, v, 1) == 1) {
      material.metallic_factor = std::clamp(v[0], 0.0f, 1.0f);
    } else if (keyword == "ke" && read_floats(tokens, v, 3) >= 1) {
      material.emissive_factor = {v[0], v[1], v[2]};
      pending.emissive_given = true;
    } else if (keyword == "map_kd") {
      pending.diffuse_map = parse_texture_statement(tokens);
    } else if (keyword == "map_bump" || keyword == "bump" || keyword == "norm") {
      pending.normal_map = parse_texture_statement(tokens);
    } else if (keyword == "map_ke") {
      pending.emissive_map = parse_texture_statement(tokens);
    } else if (keyword == "map_pr") {
      pending.roughness_map = parse_texture_statement(tokens);
    } else if (keyword == "map_pm") {
      pending.metallic_map = parse_texture_statement(tokens);
    }
    // Ka, Ks, illum and the rest have no metallic-roughness counterpart: ignored.
  }

  // Loads (once) and decodes an image; -1 with a note when it is missing or corrupt.
  int image_index(const std::string& uri) {
    if (const auto it = image_cache_.find(uri); it != image_cache_.end()) return it->second;
    int index = -1;
    Result<Bytes> bytes = load_ ? load_(uri) : Result<Bytes>(make_error("no resource loader"));
    if (!bytes) {
      notes_.push_back("texture '" + uri + "' not found");
    } else if (Result<Image> pixels = decode_image(bytes.value(), 4); !pixels) {
      notes_.push_back("texture '" + uri + "' not decoded: " + pixels.error().message);
    } else {
      MeshImage image;
      image.name = uri;
      image.mime_type = sniff_image_mime_type(bytes.value());
      image.encoded = std::move(bytes.value());
      image.pixels = std::move(pixels.value());
      index = static_cast<int>(mesh_.images.size());
      mesh_.images.push_back(std::move(image));
    }
    image_cache_[uri] = index;
    return index;
  }

  bool bind(const std::optional<TextureStatement>& statement, TextureRef& target,
            const std::string& folder) {
    if (!statement || statement->file.empty()) return false;
    const int image = image_index(joined(folder, statement->file));
    if (image < 0) return false;
    target = statement->ref;
    target.image = image;
    return true;
  }

  // glTF keeps roughness in G and metallic in B of one texture. The same file named by
  // map_Pr and map_Pm is taken as already packed; separate files are packed here.
  void bind_metallic_roughness(Pending& pending) {
    Material& material = pending.material;
    const auto& roughness = pending.roughness_map;
    const auto& metallic = pending.metallic_map;
    if (!roughness && !metallic) return;
    if (roughness && metallic && roughness->file == metallic->file) {
      bind(roughness, material.metallic_roughness_texture, pending.folder);
      return;
    }
    const int r = roughness && !roughness->file.empty()
                      ? image_index(joined(pending.folder, roughness->file))
                      : -1;
    const int m = metallic && !metallic->file.empty()
                      ? image_index(joined(pending.folder, metallic->file))
                      : -1;
    if (r < 0 && m < 0) return;
    const Image& first = mesh_.images[r >= 0 ? r : m].pixels;
    if (r >= 0 && m >= 0 &&
        (mesh_.images[m].pixels.width != first.width ||
         mesh_.images[m].pixels.height != first.height)) {
      notes_.push_back("map_Pr and map_Pm of '" + material.name + "' differ in size, not combined");
      return;
    }
    Image packed(first.width, first.height, 4);
    for (std::size_t i = 0; i < std::size_t(first.width) * first.height; ++i) {
      packed.pixels[i * 4 + 0] = 0;
      packed.pixels[i * 4 + 1] = r >= 0 ? mesh_.images[r].pixels.pixels[i * 4] : 255;
      packed.pixels[i * 4 + 2] = m >= 0 ? mesh_.images[m].pixels.pixels[i * 4] : 255;
      packed.pixels[i * 4 + 3] = 255;
    }
    MeshImage image;
    image.name = material.name + "_metallic_roughness.png";
    image.mime_type = "image/png";
    image.encoded = encode_png(packed);
    image.pixels = std::move(packed);
    material.metallic_roughness_texture = (roughness ? roughness : metallic)->ref;
    material.metallic_roughness_texture.image = static_cast<int>(mesh_.images.size());
    mesh_.images.push_back(std::move(image));
  }

  Mesh& mesh_;
  const ResourceLoader& load_;
  std::vector<std::string>& notes_;
  std::vector<Pending> pending_;
  std::size_t finished_ = 0;
  std::map<std::string, int> image_cache_;
};

// ---------------------------------------------------------------------------------
// OBJ

struct Corner {
  std::int64_t v = -1, vt = -1, vn = -1;
  bool operator==(const Corner&) const = default;
};

struct CornerHash {
  std::size_t operator()(const Corner& c) const {
    std::uint64_t h = static_cast<std::uint64_t>(c.v) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<std::uint64_t>(c.vt + 1) * 0xC2B2AE3D27D4EB4Full + (h << 6) + (h >> 2);
    h ^= static_cast<std::uint64_t>(c.vn + 1) * 0x165667B19E3779F9ull + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h);
  }
};

struct FaceGroup {
  std::string name;
  int material = -1;
  std::vector<Corner> corners;  // 3 per triangle
};

// Resolves a 1-based (or negative, relative) OBJ index against `count` elements seen.
Result<std::int64_t> resolve_index(std::string_view token, std::size_t count, const char* kind,
                                   std::size_t line) {
  const std::optional<std::int64_t> raw = parse_integer(token);
  if (!raw || *raw == 0) {
    return make_error(location(line) + ": bad " + kind + " index '" + std::string(token) + "'");
  }
  const std::int64_t index = *raw > 0 ? *raw - 1 : static_cast<std::int64_t>(count) + *raw;
  if (index < 0 || static_cast<std::uint64_t>(index) >= count) {
    return make_error(location(line) + ": " + kind + " index " + std::to_string(*raw) +
                      " is out of range (" + std::to_string(count) + " defined)");
  }
  return index;
}

class ObjReader {
 public:
  ObjReader(const ResourceLoader& load, std::vector<std::string>& notes)
      : library_(mesh_, load, notes), notes_(notes) {}

  Result<Mesh> read(ByteView bytes, FormatDetails* details) {
    std::optional<Error> error;
    for_each_line(bytes, [&](std::string_view line, std::size_t number) {
      if (Status status = statement(line, number); !status) {
        error = status.error();
        return false;
      }
      return true;
    });
    if (error) return with_context("OBJ", *error);
    if (groups_.empty()) return make_error("OBJ: no faces");
    library_.finish(material_indices_);
    build_primitives();
    if (std::string problem = mesh_.validate(); !problem.empty())
      return make_error("OBJ: " + problem);
    if (details != nullptr) {
      details->format = Format::Obj;
      details->description = "OBJ, " + std::to_string(mesh_.primitives.size()) + " primitive" +
                             (mesh_.primitives.size() == 1 ? "" : "s") + ", " +
                             std::to_string(mesh_.materials.size()) + " material" +
                             (mesh_.materials.size() == 1 ? "" : "s");
      for (std::size_t i = 0; i < notes_.size(); ++i)
        details->description += (i == 0 ? "; " : ", ") + notes_[i];
    }
    return std::move(mesh_);
  }

 private:
  Status statement(std::string_view line, std::size_t number) {
    Tokens tokens(line);
    const std::string_view keyword = tokens.next();
    if (keyword.empty() || keyword.front() == '#') return Ok{};
    float v[6];
    if (keyword == "v") {
      const int count = read_floats(tokens, v, 6);
      if (count < 3) return make_error(location(number) + ": vertex needs x y z");
      positions_.push_back({v[0], v[1], v[2]});
      if (count == 6) {
        colors_.resize(positions_.size() - 1, Vec4{1, 1, 1, 1});
        colors_.push_back({v[3], v[4], v[5], 1});
      }
    } else if (keyword == "vt") {
      const int count = read_floats(tokens, v, 3);
      if (count < 1) return make_error(location(number) + ": texture coordinate needs u");
      uvs_.push_back({v[0], 1 - (count >= 2 ? v[1] : 0.0f)});
    } else if (keyword == "vn") {
      if (read_floats(tokens, v, 3) < 3)
        return make_error(location(number) + ": normal needs x y z");
      normals_.push_back({v[0], v[1], v[2]});
    } else if (keyword == "f") {
      return face(tokens, number);
    } else if (keyword == "usemtl") {
      use_material(std::string(tokens.remainder()));
    } else if (keyword == "o" || keyword == "g") {
      group_name_ = std::string(tokens.remainder());
    } else if (keyword == "mtllib") {
      // Several libraries may be listed; a name with spaces is tried whole first.
      const std::string whole(tokens.remainder());
      if (whole.empty() || library_.read(whole)) return Ok{};
      Tokens names(whole);
      for (std::string_view name = names.next(); !name.empty(); name = names.next()) {
        if (name.size() == whole.size() || !library_.read(name)) {
          notes_.push_back("material library '" + std::string(name) + "' not found");
        }
      }
    }
    return Ok{};
  }

  void use_material(const std::string& name) {
    library_.finish(material_indices_);
    const auto it = material_indices_.find(name);
    if (it != material_indices_.end()) {
      current_material_ = it->second;
      return;
    }
    Material material;
    material.name = name;
    material.metallic_factor = 0;
    current_material_ = static_cast<int>(mesh_.materials.size());
    material_indices_[name] = current_material_;
    mesh_.materials.push_back(material);
    notes_.push_back("material '" + name + "' not defined");
  }

  Status face(Tokens& tokens, std::size_t number) {
    corners_.clear();
    for (std::string_view token = tokens.next(); !token.empty() && token.front() != '#';
         token = tokens.next()) {
      Corner corner;
      const std::size_t first_slash = token.find('/');
      Result<std::int64_t> v =
          resolve_index(token.substr(0, first_slash), positions_.size(), "vertex", number);
      if (!v) return v.error();
      corner.v = v.value();
      if (first_slash != std::string_view::npos) {
        const std::string_view rest = token.substr(first_slash + 1);
        const std::size_t second_slash = rest.find('/');
        const std::string_view vt = rest.substr(0, second_slash);
        if (!vt.empty()) {
          Result<std::int64_t> index = resolve_index(vt, uvs_.size(), "texture coordinate", number);
          if (!index) return index.error();
          corner.vt = index.value();
        }
        if (second_slash != std::string_view::npos) {
          Result<std::int64_t> index =
              resolve_index(rest.substr(second_slash + 1), normals_.size(), "normal", number);
          if (!index) return index.error();
          corner.vn = index.value();
        }
      }
      corners_.push_back(corner);
    }
    if (corners_.size() < 3) {
      return make_error(location(number) + ": face with " + std::to_string(corners_.size()) +
                        " vertices (needs at least 3)");
    }
    FaceGroup& group = current_group();
    for (std::size_t i = 1; i + 1 < corners_.size(); ++i) {
      group.corners.insert(group.corners.end(), {corners_[0], corners_[i], corners_[i + 1]});
    }
    return Ok{};
  }

  FaceGroup& current_group() {
    const auto it = group_of_material_.find(current_material_);
    if (it != group_of_material_.end()) return groups_[it->second];
    group_of_material_[current_material_] = groups_.size();
    groups_.push_back({group_name_, current_material_, {}});
    return groups_.back();
  }

  void build_primitives() {
    const bool has_colors = !colors_.empty();
    if (has_colors) colors_.resize(positions_.size(), Vec4{1, 1, 1, 1});
    for (FaceGroup& group : groups_) {
      Primitive primitive;
      primitive.name = group.name;
      primitive.material = group.material;
      bool all_uv = true, any_uv = false, all_normals = true;
      for (const Corner& c : group.corners) {
        all_uv &= c.vt >= 0;
        any_uv |= c.vt >= 0;
        all_normals &= c.vn >= 0;
      }
      std::unordered_map<Corner, std::uint32_t, CornerHash> welded;
      primitive.indices.reserve(group.corners.size());
      for (const Corner& c : group.corners) {
        const auto [it, inserted] =
            welded.emplace(c, static_cast<std::uint32_t>(primitive.positions.size()));
        if (inserted) {
          primitive.positions.push_back(positions_[c.v]);
          if (has_colors) primitive.colors.push_back(colors_[c.v]);
          if (any_uv) primitive.uv0.push_back(c.vt >= 0 ? uvs_[c.vt] : Vec2{0, 0});
          if (all_normals) primitive.normals.push_back(normals_[c.vn]);
        }
        primitive.indices.push_back(it->second);
      }
      if (any_uv && !all_uv)
        notes_.push_back("some faces of '" + group.name + "' have no UVs (set to 0, 0)");
      group.corners = {};
      mesh_.primitives.push_back(std::move(primitive));
    }
  }

  Mesh mesh_;
  MaterialLibrary library_;
  std::vector<std::string>& notes_;
  std::map<std::string, int> material_indices_;
  std::vector<Vec3> positions_, normals_;
  std::vector<Vec4> colors_;
  std::vector<Vec2> uvs_;
  std::vector<Corner> corners_;
  std::vector<FaceGroup> groups_;
  std::map<int, std::size_t> group_of_material_;
  std::string group_name_;
  int current_material_ = -1;
};

// ---------------------------------------------------------------------------------
// Writer

void append_number(std::string& out, float value) {
  if (!std::isfinite(value)) value = 0;
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void append_numbers(std::string& out, const char* keyword, std::initializer_list<float> values) {
  out += keyword;
  for (float value : values) {
    out += ' ';
    append_number(out, value);
  }
  out += '\n';
}

std::string unique_name(std::string name, std::map<std::string, int>& used, std::size_t index) {
  for (char& c : name) c = is_space(c) || c == '\n' ? '_' : c;
  if (name.empty()) name = "material_" + std::to_string(index);
  std::string candidate = name;
  for (int n = 2; used.contains(candidate); ++n) candidate = name + "_" + std::to_string(n);
  used[candidate] = 1;
  return candidate;
}

struct WrittenImage {
  std::string file;
  Bytes bytes;
};

std::optional<WrittenImage> texture_file(const MeshImage& image, std::string_view stem,
                                         std::size_t index) {
  const std::string mime = sniff_image_mime_type(image.encoded);
  const std::string base = std::string(stem) + "_" + std::to_string(index);
  if (mime == "image/png") return WrittenImage{base + ".png", image.encoded};
  if (mime == "image/jpeg") return WrittenImage{base + ".jpg", image.encoded};
  if (mime == "image/webp") return WrittenImage{base + ".webp", image.encoded};
  const Image& pixels = image.pixels;
  if (pixels.empty() ||
      pixels.pixels.size() != std::size_t(pixels.width) * pixels.height * pixels.channels) {
    return std::nullopt;
  }
  return WrittenImage{base + ".png", encode_png(pixels)};
}

void append_texture(std::string& out, const char* keyword, const TextureRef& ref,
                    const std::vector<std::string>& image_files, float bump_scale = 1) {
  if (!ref.present() || static_cast<std::size_t>(ref.image) >= image_files.size() ||
      image_files[ref.image].empty()) {
    return;
  }
  out += keyword;
  if (bump_scale != 1) {
    out += " -bm ";
    append_number(out, bump_scale);
  }
  const TextureTransform& t = ref.transform;
  if (t.present && t.rotation == 0) {
    // Inverse of the reader's conversion from the bottom-left UV origin.
    out += " -o ";
    append_number(out, t.offset.x);
    out += ' ';
    append_number(out, 1 - t.scale.y - t.offset.y);
    out += " -s ";
    append_number(out, t.scale.x);
    out += ' ';
    append_number(out, t.scale.y);
  }
  if (ref.sampler.wrap_s == kClampToEdge && ref.sampler.wrap_t == kClampToEdge) out += " -clamp on";
  out += ' ' + image_files[ref.image] + '\n';
}

std::string material_library(const Mesh& mesh, const std::vector<std::string>& names,
                             const std::vector<std::string>& image_files) {
  std::string out = std::string("# Written by ") + kGenerator + "\n";
  for (std::size_t i = 0; i < mesh.materials.size(); ++i) {
    const Material& m = mesh.materials[i];
    out += "\nnewmtl " + names[i] + "\n";
    append_numbers(out, "Kd",
                   {m.base_color_factor.x, m.base_color_factor.y, m.base_color_factor.z});
    append_numbers(out, "d", {m.base_color_factor.w});
    const float roughness = std::clamp(m.roughness_factor, 0.02f, 1.0f);
    append_numbers(out, "Ns", {std::min(2 / (roughness * roughness) - 2, 1000.0f)});
    append_numbers(out, "Pr", {m.roughness_factor});
    append_numbers(out, "Pm", {m.metallic_factor});
    if (m.emissive_factor != Vec3{0, 0, 0}) {
      append_numbers(out, "Ke", {m.emissive_factor.x, m.emissive_factor.y, m.emissive_factor.z});
    }
    out += "illum 2\n";
    append_texture(out, "map_Kd", m.base_color_texture, image_files);
    append_texture(out, "map_Bump", m.normal_texture, image_files, m.normal_scale);
    append_texture(out, "map_Pr", m.metallic_roughness_texture, image_files);
    append_texture(out, "map_Pm", m.metallic_roughness_texture, image_files);
    append_texture(out, "map_Ke", m.emissive_texture, image_files);
  }
  return out;
}

}  // namespace

Result<Mesh> decode_obj(ByteView bytes, const ResourceLoader& load, FormatDetails* details) {
  std::vector<std::string> notes;
  try {
    return ObjReader(load, notes).read(bytes, details);
  } catch (const std::exception& e) {
    return make_error(std::string("OBJ: ") + e.what());
  }
}

std::vector<OutputFile> encode_obj(const Mesh& mesh, std::string_view stem) {
  std::vector<OutputFile> files;
  std::vector<std::string> image_files(mesh.images.size());
  std::vector<OutputFile> textures;
  for (std::size_t i = 0; i < mesh.images.size(); ++i) {
    if (std::optional<WrittenImage> image = texture_file(mesh.images[i], stem, i)) {
      image_files[i] = image->file;
      textures.push_back({image->file, std::move(image->bytes)});
    }
  }
  std::map<std::string, int> used;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < mesh.materials.size(); ++i)
    names.push_back(unique_name(mesh.materials[i].name, used, i));

  std::string obj = std::string("# Written by ") + kGenerator + "\n";
  if (!mesh.materials.empty()) obj += "mtllib " + std::string(stem) + ".mtl\n";
  // "usemtl" cannot be undone, so primitives without a material come first.
  std::vector<const Primitive*> order;
  for (const Primitive& p : mesh.primitives) {
    if (p.material < 0) order.push_back(&p);
  }
  for (const Primitive& p : mesh.primitives) {
    if (p.material >= 0) order.push_back(&p);
  }
  std::size_t v_base = 1, vt_base = 1, vn_base = 1;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Primitive& p = *order[k];
    const std::size_t n = p.positions.size();
    const bool colors = p.colors.size() == n, uvs = p.uv0.size() == n,
               normals = p.normals.size() == n;
    obj += "o " + (p.name.empty() ? "primitive_" + std::to_string(k) : p.name) + "\n";
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 q = p.positions[i];
      if (colors) {
        append_numbers(obj, "v", {q.x, q.y, q.z, p.colors[i].x, p.colors[i].y, p.colors[i].z});
      } else {
        append_numbers(obj, "v", {q.x, q.y, q.z});
      }
    }
    if (uvs) {
      for (const Vec2& uv : p.uv0) append_numbers(obj, "vt", {uv.x, 1 - uv.y});
    }
    if (normals) {
      for (const Vec3& normal : p.normals)
        append_numbers(obj, "vn", {normal.x, normal.y, normal.z});
    }
    if (p.material >= 0 && static_cast<std::size_t>(p.material) < names.size()) {
      obj += "usemtl " + names[p.material] + "\n";
    }
    for (std::size_t t = 0; t + 2 < p.indices.size(); t += 3) {
      obj += 'f';
      for (int c = 0; c < 3; ++c) {
        const std::uint32_t index = p.indices[t + c];
        obj += ' ' + std::to_string(v_base + index);
        if (uvs || normals) obj += '/';
        if (uvs) obj += std::to_string(vt_base + index);
        if (normals) obj += '/' + std::to_string(vn_base + index);
      }
      obj += '\n';
    }
    v_base += n;
    vt_base += uvs ? n : 0;
    vn_base += normals ? n : 0;
  }
  files.push_back({std::string(stem) + ".obj", Bytes(obj.begin(), obj.end())});
  if (!mesh.materials.empty()) {
    const std::string mtl = material_library(mesh, names, image_files);
    files.push_back({std::string(stem) + ".mtl", Bytes(mtl.begin(), mtl.end())});
  }
  for (OutputFile& texture : textures) files.push_back(std::move(texture));
  return files;
}

}  // namespace atlas
