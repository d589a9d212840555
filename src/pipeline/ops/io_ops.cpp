#include <nlohmann/json.hpp>

#include <array>
#include <string_view>

#include "core/parallel_for.h"
#include "core/sha256.h"
#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "formats/splat_formats.h"
#include "pipeline/lod_package.h"
#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array kMeshFormats = {"glb", "gltf", "obj", "stl", "ply", "usdz"};
constexpr std::array kSplatFormats = {"ply", "spz", "splat"};
constexpr float kMillimetresPerMetre = 1000;

template <std::size_t N>
bool one_of(const std::array<const char*, N>& names, std::string_view name) {
  for (const char* candidate : names)
    if (name == candidate) return true;
  return false;
}

template <std::size_t N>
std::string listed(const std::array<const char*, N>& names) {
  std::string text;
  for (std::size_t i = 0; i < N; ++i)
    text += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(names[i]);
  return text;
}

// "a mesh", "an image": the type as messages name it.
std::string a_type(ValueType type) {
  const std::string name = to_string(type);
  return (name.find_first_of("aeiou") == 0 ? "an " : "a ") + name;
}

Error node_error(const OpContext& context, const std::string& message) {
  return make_error("node '" + context.node + "': " + message);
}

// ---------------------------------------------------------------------------------
// load

Result<Values> run_load(const OpContext& context) {
  const Value* value = context.input("file");
  const InputFile* file = value ? value->file() : nullptr;
  if (file == nullptr)
    return node_error(context, "file must be a file, got " +
                                   (value ? a_type(value->type()) : std::string("nothing")));
  // The hash is the cache key of everything downstream: a file changed since it was
  // hashed would give outputs the key does not describe.
  if (!file->sha256.empty()) {
    Result<Bytes> bytes = read_file(file->path);
    if (!bytes) return with_context("node '" + context.node + "'", bytes.error());
    if (sha256_hex(*bytes) != file->sha256)
      return node_error(context, file->path.string() + " changed since it was hashed");
  }
  context.progress(0.1);
  Result<Asset> asset = load_asset(file->path);
  if (!asset) return with_context("node '" + context.node + "'", asset.error());
  Values outputs;
  if (auto* cloud = std::get_if<SplatCloud>(&asset.value()))
    outputs["asset"] = Value(std::move(*cloud));
  else
    outputs["asset"] = Value(std::get<Mesh>(std::move(asset.value())));
  context.progress(1);
  return outputs;
}

// ---------------------------------------------------------------------------------
// export

struct ExportSettings {
  std::string format, name, levels, compression, units;
};

Status check_name(const OpContext& context, const std::string& name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of("/\\") != std::string::npos || name.find('\0') != std::string::npos)
    return node_error(context, "name '" + name + "' must be a file stem (no folders)");
  return Ok{};
}

Result<FileSet> export_splats(const OpContext& context, const SplatCloud& cloud,
                              const ExportSettings& settings) {
  if (!one_of(kSplatFormats, settings.format))
    return node_error(context, "a splat model is written as " + listed(kSplatFormats) + ", not " +
                                   settings.format);
  if (settings.compression != "none")
    return node_error(context, "compression applies to glb and gltf only");
  if (settings.units != "metres")
    return node_error(context, "units apply to stl, obj and ply meshes only");
  Bytes bytes = settings.format == "ply"   ? encode_ply_splats(cloud)
                : settings.format == "spz" ? encode_spz(cloud)
                                           : encode_antimatter_splat(cloud);
  return FileSet{{settings.name + "." + settings.format, std::move(bytes)}};
}

// Images made by ops may carry only pixels: they are stored as PNG.
void encode_missing_images(std::vector<Mesh>& levels, int threads) {
  std::vector<MeshImage*> missing;
  for (Mesh& level : levels)
    for (MeshImage& image : level.images)
      if (image.encoded.empty() && !image.pixels.empty()) missing.push_back(&image);
  parallel_for_index(static_cast<int>(missing.size()), threads, [&](int i) {
    missing[i]->encoded = encode_png(missing[i]->pixels);
    missing[i]->mime_type = "image/png";
  });
}

std::string asset_extras(const std::string& provenance_json) {
  const Json provenance = Json::parse(provenance_json, nullptr, false);
  if (!provenance.is_object() || provenance.empty()) return "";
  return Json{{"atlas", provenance}}.dump();
}

Result<std::vector<OutputFile>> encode_level(const Mesh& mesh, const std::string& stem,
                                             const ExportSettings& settings,
                                             const GltfWriteOptions& gltf) {
  if (settings.format == "glb" || settings.format == "gltf") return encode_gltf(mesh, stem, gltf);
  if (settings.format == "obj") return encode_obj(mesh, stem);
  if (settings.format == "stl") return std::vector<OutputFile>{{stem + ".stl", encode_stl(mesh)}};
  if (settings.format == "ply")
    return std::vector<OutputFile>{{stem + ".ply", encode_ply_mesh(mesh)}};
  Result<Bytes> usdz = encode_usdz(mesh);
  if (!usdz) return usdz.error();
  return std::vector<OutputFile>{{stem + ".usdz", std::move(usdz.value())}};
}

Result<FileSet> export_meshes(const OpContext& context, const std::vector<const Mesh*>& chain,
                              const ExportSettings& settings) {
  if (!one_of(kMeshFormats, settings.format))
    return node_error(
        context, "a mesh model is written as " + listed(kMeshFormats) + ", not " + settings.format);
  const bool gltf_format = settings.format == "glb" || settings.format == "gltf";
  if (settings.compression != "none" && !gltf_format)
    return node_error(context, "compression applies to glb and gltf only");
  const bool print_format =
      settings.format == "stl" || settings.format == "obj" || settings.format == "ply";
  if (settings.units != "metres" && !print_format)
    return node_error(context, "units apply to stl, obj and ply meshes only (" + settings.format +
                                   " is in metres)");
  std::vector<Mesh> levels;
  for (const Mesh* level : chain) levels.push_back(*level);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (std::string problem = levels[i].validate(); !problem.empty())
      return node_error(context, "level " + std::to_string(i) + ": " + problem);
  }
  encode_missing_images(levels, context.threads);
  if (settings.units == "millimetres") {
    for (Mesh& level : levels)
      for (Primitive& primitive : level.primitives)
        for (Vec3& p : primitive.positions) p = p * kMillimetresPerMetre;
  }
  if (context.cancelled()) return make_error("cancelled");
  context.progress(0.3);

  GltfWriteOptions gltf;
  gltf.binary = settings.format == "glb";
  gltf.asset_extras = asset_extras(context.provenance_json);
  gltf.compression = settings.compression == "meshopt" ? GltfCompression::Meshopt
                     : settings.compression == "draco" ? GltfCompression::Draco
                                                       : GltfCompression::None;
  FileSet files;
  auto add = [&files](std::vector<OutputFile> written) {
    for (OutputFile& file : written) files.push_back(std::move(file));
  };
  if (settings.levels != "each") {
    // Formats without levels of detail hold the finest level.
    if (gltf_format) {
      add(encode_lod_package(levels, settings.name, gltf));
    } else {
      Result<std::vector<OutputFile>> written =
          encode_level(levels[0], settings.name, settings, gltf);
      if (!written) return with_context("node '" + context.node + "'", written.error());
      add(std::move(written.value()));
    }
  }
  if (settings.levels != "all") {
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (context.cancelled()) return make_error("cancelled");
      context.progress(0.5 + 0.5 * double(i) / double(levels.size()));
      Result<std::vector<OutputFile>> written =
          encode_level(levels[i], settings.name + "_lod" + std::to_string(i), settings, gltf);
      if (!written)
        return with_context("node '" + context.node + "': level " + std::to_string(i),
                            written.error());
      add(std::move(written.value()));
    }
  }
  return files;
}

Result<Values> run_export(const OpContext& context) {
  const Value* model = context.input("model");
  if (model == nullptr) return node_error(context, "model is not connected");
  // `native` keeps a source as what it is: splats as SPZ, meshes as GLB.
  std::string format = context.text("format");
  if (format == "native") format = model->splat() ? "spz" : "glb";
  std::string name = context.text("name");
  if (name.empty()) name = context.input_stem.empty() ? "asset" : context.input_stem;
  const ExportSettings settings{format, name, context.text("levels"), context.text("compression"),
                                context.text("units")};
  if (Status valid = check_name(context, settings.name); !valid) return valid.error();
  if (!model->splat() && model->levels().empty())
    return node_error(context,
                      "model must be a splat, a mesh or a LOD chain, got " + a_type(model->type()));
  Result<FileSet> files = model->splat() ? export_splats(context, *model->splat(), settings)
                                         : export_meshes(context, model->levels(), settings);
  if (!files) return files.error();
  context.progress(1);
  Values outputs;
  outputs["files"] = Value(std::move(files.value()));
  return outputs;
}

}  // namespace

void add_io_ops(std::vector<OpSpec>& catalogue) {
  OpSpec load;
  load.name = "load";
  load.purpose =
      "Reads the splat or mesh a file holds, in any format Atlas reads (the format is "
      "recognised from the content).";
  load.inputs = {{"file", ValueType::File, false, "the input file"}};
  load.outputs = {{"asset", ValueType::Asset, false, "the splat cloud or mesh in the file"}};
  load.run = run_load;
  catalogue.push_back(std::move(load));

  OpSpec exporter;
  exporter.name = "export";
  exporter.purpose =
      "Writes a model as files: meshes and LOD chains as glb, gltf, obj, stl, ply or usdz, "
      "splats as ply, spz or splat. glTF files carry the pipeline's provenance in "
      "asset.extras.atlas.";
  exporter.inputs = {{"model", ValueType::Asset, false, "a splat, a mesh or a LOD chain"}};
  exporter.outputs = {{"files", ValueType::Files, false, "the files, named from `name`"}};
  exporter.params = {
      {"format",
       ParamType::Text,
       std::string("glb"),
       0,
       0,
       {"glb", "gltf", "obj", "stl", "ply", "usdz", "spz", "splat", "native"},
       "file format: splats take ply, spz or splat; meshes the others and ply; native: "
       "spz for splats, glb for meshes"},
      {"name",
       ParamType::Text,
       std::string(""),
       0,
       0,
       {},
       "the file stem; empty: the input file's name without its extension"},
      {"levels",
       ParamType::Text,
       std::string("both"),
       0,
       0,
       {"all", "each", "both"},
       "meshes: `all` = <name>.<ext> with every level (glb, gltf: MSFT_lod with screen "
       "coverage; other formats: the finest level), `each` = <name>_lod<i>.<ext> a level, "
       "`both` = both"},
      {"compression",
       ParamType::Text,
       std::string("none"),
       0,
       0,
       {"none", "meshopt", "draco"},
       "glb and gltf vertex and index data: EXT_meshopt_compression (lossless) or "
       "KHR_draco_mesh_compression (quantised)"},
      {"units",
       ParamType::Text,
       std::string("metres"),
       0,
       0,
       {"metres", "millimetres"},
       "stl, obj and ply meshes: the unit positions are written in (3D printing slicers "
       "read millimetres)"}};
  exporter.run = run_export;
  exporter.writes_provenance = true;
  catalogue.push_back(std::move(exporter));
}

}  // namespace atlas::pipeline::ops
