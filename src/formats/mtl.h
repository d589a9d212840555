#pragma once
// Wavefront MTL material libraries: reading them into glTF-style metallic-roughness
// materials (loading and decoding their textures) and writing them back.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asset/mesh.h"
#include "formats/mesh_formats.h"
#include "formats/obj_text.h"

namespace atlas::obj {

// One "map_Xx [options] file" statement: the file, named relative to its MTL file, and
// what its options say about the UV transform, the sampler and the bump scale.
struct TextureStatement {
  std::string file;
  TextureRef ref;
  float bump_scale = 1;
};

// Reads the material libraries an OBJ names and turns their materials into Mesh
// materials and images. Textures that are missing or corrupt are dropped with a note.
class MaterialLibrary {
 public:
  // `mesh` receives the materials and images; `load` resolves URIs relative to the OBJ;
  // `notes` collects what was dropped. All three must outlive the library.
  MaterialLibrary(Mesh& mesh, const ResourceLoader& load, std::vector<std::string>& notes)
      : mesh_(mesh), load_(load), notes_(notes) {}

  // Parses the library at `uri`. Returns false (noting nothing) when it cannot be loaded.
  bool read(std::string_view uri);

  // Turns the materials parsed since the last call into Mesh materials (loading their
  // textures) and adds them to the name -> index table; earlier names win.
  void finish(std::map<std::string, int>& indices);

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

  void parse_statement(Pending& pending, const std::string& keyword, Tokens& tokens);
  // Loads (once) and decodes an image; -1 with a note when it is missing or corrupt.
  int image_index(const std::string& uri);
  // Points `target` at the statement's image; false when there is none to load.
  bool bind(const std::optional<TextureStatement>& statement, TextureRef& target,
            const std::string& folder);
  void bind_metallic_roughness(Pending& pending);

  Mesh& mesh_;
  const ResourceLoader& load_;
  std::vector<std::string>& notes_;
  std::vector<Pending> pending_;
  std::size_t finished_ = 0;
  std::map<std::string, int> image_cache_;
};

// The MTL text for every material of `mesh`: `names` holds each material's unique
// name and `image_files` each image's written file name (empty when not written).
std::string encode_mtl(const Mesh& mesh, const std::vector<std::string>& names,
                       const std::vector<std::string>& image_files);

}  // namespace atlas::obj
