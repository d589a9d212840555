// `atlas info FILE [--json]`: what a file holds, as text or JSON.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

#include "asset/statistics.h"
#include "commands.h"
#include "formats/asset_io.h"

namespace atlas::cli {

namespace {

using nlohmann::ordered_json;

ordered_json to_json(Vec3 v) { return ordered_json::array({v.x, v.y, v.z}); }

ordered_json to_json(const Bounds& b) {
  if (b.empty()) return nullptr;
  return {{"min", to_json(b.min)}, {"max", to_json(b.max)}, {"size", to_json(b.size())}};
}

ordered_json to_json(const Distribution& d) {
  return {{"min", d.min}, {"median", d.median}, {"mean", d.mean}, {"max", d.max}};
}

ordered_json describe(const SplatCloud& cloud) {
  const SplatStatistics s = compute_statistics(cloud);
  return {{"kind", "splats"},
          {"splats", s.count},
          {"sh_degree", s.sh_degree},
          {"bounds", to_json(s.bounds)},
          {"opacity", to_json(s.opacity)},
          {"scale", to_json(s.scale)},
          {"nearly_transparent_share", s.share_nearly_transparent}};
}

ordered_json describe(const Mesh& mesh) {
  const MeshStatistics s = compute_statistics(mesh);
  ordered_json images = ordered_json::array();
  for (const MeshImage& image : mesh.images) {
    images.push_back(std::to_string(image.pixels.width) + "x" +
                     std::to_string(image.pixels.height) + " " + image.mime_type);
  }
  return {{"kind", "mesh"},           {"vertices", s.vertices},
          {"triangles", s.triangles}, {"primitives", s.primitives},
          {"materials", s.materials}, {"textures", s.textures},
          {"texture_sizes", images},  {"bounds", to_json(s.bounds)}};
}

std::string format_value(const ordered_json& value) {
  if (value.is_number_float()) {
    std::ostringstream out;
    out << std::setprecision(4) << value.get<double>();
    return out.str();
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    // Numbers (a vector) are separated by spaces, anything else by commas.
    const char* separator = !value.empty() && value[0].is_number() ? " " : ", ";
    std::string text;
    for (const auto& item : value) text += (text.empty() ? "" : separator) + format_value(item);
    return text;
  }
  return value.dump();
}

void print_text(const ordered_json& info, int indent = 0) {
  for (const auto& [key, value] : info.items()) {
    std::cout << std::string(indent, ' ') << key << ":";
    if (value.is_object()) {
      std::cout << "\n";
      print_text(value, indent + 2);
    } else {
      std::cout << " " << format_value(value) << "\n";
    }
  }
}

}  // namespace

void add_info_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "info", "Show a splat or mesh file's format, counts, bounds and statistics");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  command->add_option("FILE", *file, "Splat or mesh file")->required();
  command->add_flag("--json", *json, "Print JSON instead of text");
  command->callback([&run, file, json] {
    run = [file, json] {
      FormatDetails details;
      auto asset = load_asset(*file, &details);
      if (!asset.ok()) return fail(asset.error().message);
      ordered_json info = {{"file", *file},
                           {"format", format_name(details.format)},
                           {"details", details.description}};
      info.update(std::visit([](const auto& a) { return describe(a); }, *asset));
      if (*json) {
        std::cout << info.dump(2) << "\n";
      } else {
        print_text(info);
      }
      return 0;
    };
  });
}

}  // namespace atlas::cli
