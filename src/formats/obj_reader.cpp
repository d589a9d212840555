// Wavefront OBJ reader. Corners are (v, vt, vn) triples welded into unique vertices,
// one primitive per material. OBJ texture coordinates have their origin at the image's
// bottom-left while Atlas's is top-left, so v is flipped.

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/text_numbers.h"
#include "formats/mesh_formats.h"
#include "formats/mtl.h"
#include "formats/obj_text.h"

namespace atlas {

namespace {

using obj::for_each_line;
using obj::MaterialLibrary;
using obj::read_floats;
using obj::Tokens;

std::string location(std::size_t line) { return "line " + std::to_string(line); }

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
  const std::optional<std::int64_t> raw = parse_number<std::int64_t>(token);
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

}  // namespace

Result<Mesh> decode_obj(ByteView bytes, const ResourceLoader& load, FormatDetails* details) {
  std::vector<std::string> notes;
  try {
    return ObjReader(load, notes).read(bytes, details);
  } catch (const std::exception& e) {
    return make_error(std::string("OBJ: ") + e.what());
  }
}

}  // namespace atlas
