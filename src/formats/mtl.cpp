#include "formats/mtl.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "formats/image_io.h"

namespace atlas::obj {

namespace {

constexpr int kClampToEdge = 33071;

// MTL keywords and options are case-insensitive.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string folder_of(std::string_view uri) {
  const std::size_t slash = uri.find_last_of('/');
  return slash == std::string_view::npos ? std::string() : std::string(uri.substr(0, slash + 1));
}

// A texture named relative to its MTL file, as a URI relative to the OBJ file.
std::string joined(const std::string& folder, const std::string& file) {
  return std::filesystem::path(folder + file).lexically_normal().generic_string();
}

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

void append_texture(std::string& out, const char* keyword, const TextureRef& ref,
                    const std::vector<std::string>& image_files, float bump_scale = 1) {
  if (!ref.present() || static_cast<std::size_t>(ref.image) >= image_files.size() ||
      image_files[ref.image].empty()) {
    return;
  }
  out += keyword;
  if (bump_scale != 1) {
    out += " -bm ";
    append_finite(out, bump_scale);
  }
  const TextureTransform& t = ref.transform;
  if (t.present && t.rotation == 0) {
    // Inverse of the reader's conversion from the bottom-left UV origin.
    out += " -o ";
    append_finite(out, t.offset.x);
    out += ' ';
    append_finite(out, 1 - t.scale.y - t.offset.y);
    out += " -s ";
    append_finite(out, t.scale.x);
    out += ' ';
    append_finite(out, t.scale.y);
  }
  if (ref.sampler.wrap_s == kClampToEdge && ref.sampler.wrap_t == kClampToEdge) out += " -clamp on";
  out += ' ' + image_files[ref.image] + '\n';
}

}  // namespace

bool MaterialLibrary::read(std::string_view uri) {
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

void MaterialLibrary::finish(std::map<std::string, int>& indices) {
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

void MaterialLibrary::parse_statement(Pending& pending, const std::string& keyword,
                                      Tokens& tokens) {
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

int MaterialLibrary::image_index(const std::string& uri) {
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

bool MaterialLibrary::bind(const std::optional<TextureStatement>& statement, TextureRef& target,
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
void MaterialLibrary::bind_metallic_roughness(Pending& pending) {
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

std::string encode_mtl(const Mesh& mesh, const std::vector<std::string>& names,
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

}  // namespace atlas::obj
