#pragma once
// The values that flow along a pipeline's edges. A Value is immutable once made and
// cheap to copy (shared), so one node's output can feed several nodes at once.
//
// Types, as pipeline documents name them:
//   file    an input file: its path and the SHA-256 of its bytes
//   splat   a Gaussian splat cloud
//   mesh    a triangle mesh with materials and images
//   lods    a LOD chain, finest first (a mesh is a chain of one level)
//   asset   anything 3D: a splat, a mesh or a LOD chain, known only when it runs
//   image   an 8-bit image
//   report  metrics (name -> number) and details as a JSON object's text
//   files   named files ready to write into the output folder

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "asset/image.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "formats/mesh_formats.h"

namespace atlas::pipeline {

enum class ValueType { File, Splat, Mesh, Lods, Asset, Image, Report, Files };

const char* to_string(ValueType type);
std::optional<ValueType> parse_value_type(std::string_view name);

// Whether an output of type `given` may feed an input of type `wanted` before the
// pipeline runs: the same type; an asset where a splat, mesh or chain is wanted and the
// reverse (checked again when it runs); a mesh where a chain is wanted.
bool may_connect(ValueType given, ValueType wanted);

struct InputFile {
  std::filesystem::path path;
  std::string sha256;  // of the file's bytes, lowercase hex
};

struct Report {
  std::map<std::string, double> metrics;
  std::string details_json = "{}";  // a JSON object's text
  std::vector<std::string> warnings;
};

using LodChain = std::vector<Mesh>;
using FileSet = std::vector<OutputFile>;

class Value {
 public:
  Value() = default;  // empty: a node that did not run (a branch not taken)
  explicit Value(InputFile file);
  explicit Value(SplatCloud cloud);
  explicit Value(Mesh mesh);
  explicit Value(LodChain chain);
  explicit Value(Image image);
  explicit Value(Report report);
  explicit Value(FileSet files);

  bool empty() const { return std::holds_alternative<std::monostate>(data_); }
  // The concrete type (never Asset); File when empty is not meaningful: check empty().
  ValueType type() const;

  // Null when the value is of another type.
  const InputFile* file() const;
  const SplatCloud* splat() const;
  const Mesh* mesh() const;  // a mesh, or a chain's finest level
  const Image* image() const;
  const Report* report() const;
  const FileSet* files() const;
  // A mesh as one level, or a chain's levels; empty for other types.
  std::vector<const Mesh*> levels() const;

 private:
  std::variant<std::monostate, std::shared_ptr<const InputFile>, std::shared_ptr<const SplatCloud>,
               std::shared_ptr<const Mesh>, std::shared_ptr<const LodChain>,
               std::shared_ptr<const Image>, std::shared_ptr<const Report>,
               std::shared_ptr<const FileSet>>
      data_;
};

}  // namespace atlas::pipeline
