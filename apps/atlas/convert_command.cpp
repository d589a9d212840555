// `atlas convert IN OUT`: any reader to any writer of the same kind, the output format
// chosen by OUT's extension.

#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"
#include "formats/asset_io.h"

namespace atlas::cli {

namespace {

struct ConvertOptions {
  std::string input;
  std::string output;
  int spz_version = 2;
  std::string spz_compression = "gzip";
  bool ascii = false;
  bool big_endian = false;
};

int convert(const ConvertOptions& options) {
  auto asset = load_asset(options.input);
  if (!asset.ok()) return fail(asset.error().message);

  if (auto* cloud = std::get_if<SplatCloud>(&*asset)) {
    SplatWriteOptions write;
    write.spz_version = options.spz_version;
    write.spz_compression =
        options.spz_compression == "zstd" ? Compression::Zstd : Compression::Gzip;
    write.ply_encoding = options.ascii        ? PlyEncoding::Ascii
                         : options.big_endian ? PlyEncoding::BinaryBigEndian
                                              : PlyEncoding::BinaryLittleEndian;
    if (kind_of(format_for_extension(lower_extension(options.output), AssetKind::Splats)) !=
        AssetKind::Splats) {
      return fail(options.output + ": " + options.input +
                  " holds splats; write them as .ply, .spz or .splat");
    }
    const Status saved = save_splats(*cloud, options.output, write);
    if (!saved.ok()) return fail(saved.error().message);
    return 0;
  }

  const Mesh& mesh = std::get<Mesh>(*asset);
  if (kind_of(format_for_extension(lower_extension(options.output), AssetKind::Mesh)) !=
      AssetKind::Mesh) {
    return fail(options.output + ": " + options.input +
                " holds a mesh; write it as .glb, .gltf, .obj, .ply or .stl");
  }
  const Status saved = save_mesh(mesh, options.output, MeshWriteOptions{options.ascii});
  if (!saved.ok()) return fail(saved.error().message);
  return 0;
}

}  // namespace

void add_convert_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand("convert",
                                     "Convert splats to splats (.ply .spz .splat) or a mesh to a "
                                     "mesh (.glb .gltf .obj .ply .stl)");
  auto options = std::make_shared<ConvertOptions>();
  command->add_option("IN", options->input, "Input splat or mesh file")->required();
  command->add_option("OUT", options->output, "Output file; its extension picks the format")
      ->required();
  command->add_option("--spz-version", options->spz_version, "SPZ version to write")
      ->check(CLI::IsMember({2, 3}))
      ->capture_default_str();
  command
      ->add_option("--spz-compression", options->spz_compression,
                   "SPZ wrapper: gzip (as Niantic writes) or zstd (as 404 writes)")
      ->check(CLI::IsMember({"gzip", "zstd"}))
      ->capture_default_str();
  command->add_flag("--ascii", options->ascii, "Write ASCII PLY or STL");
  command->add_flag("--big-endian", options->big_endian, "Write big-endian binary PLY");
  command->callback([&run, options] { run = [options] { return convert(*options); }; });
}

}  // namespace atlas::cli
