// `atlas render IN -o OUT.png`: one view, or a contact sheet of views around the object,
// framed the way 404's validator frames assets.

#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"
#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "render/contact_sheet.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"

namespace atlas::cli {

namespace {

struct RenderCommandOptions {
  std::string input;
  std::string output;
  // 404's validator framing, seen slightly from above as a preview should be.
  render::OrbitCamera camera{.elevation_degrees = 15};
  int views = 1;
  float fit = 1.5f;
  std::vector<float> background{1, 1, 1};
  std::string shading = "lit";
};

int render(const RenderCommandOptions& options) {
  auto asset = load_asset(options.input);
  if (!asset.ok()) return fail(asset.error().message);

  const Bounds bounds = std::visit([](const auto& a) { return a.bounds(); }, *asset);
  const render::Framing framing =
      options.fit > 0 ? render::fit_framing(bounds, options.fit) : render::Framing{};
  render::OrbitCamera base = options.camera;
  base.height = base.width;
  const Vec3 background{options.background[0], options.background[1], options.background[2]};

  std::vector<Image> views;
  for (const render::OrbitCamera& camera :
       render::orbit_ring(base, options.views, base.azimuth_degrees)) {
    if (const auto* cloud = std::get_if<SplatCloud>(&*asset)) {
      views.push_back(render::render_splats(*cloud, camera, framing, {background}));
    } else {
      render::MeshRenderOptions mesh_options{
          background, options.shading == "unlit" ? render::Shading::Unlit : render::Shading::Lit};
      views.push_back(render::render_mesh(std::get<Mesh>(*asset), camera, framing, mesh_options));
    }
  }
  const Image image =
      views.size() == 1 ? views.front() : render::contact_sheet(views, 0, 4, background);
  const Status saved = save_png(image, options.output);
  if (!saved.ok()) return fail(saved.error().message);
  return 0;
}

}  // namespace

void add_render_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "render",
      "Render a splat or mesh file to PNG on the CPU: one view or a contact sheet of views");
  auto options = std::make_shared<RenderCommandOptions>();
  command->add_option("IN", options->input, "Splat or mesh file")->required();
  command->add_option("-o,--output", options->output, "PNG file to write")->required();
  command->add_option("--size", options->camera.width, "Width and height of each view in pixels")
      ->check(CLI::Range(16, 8192))
      ->capture_default_str();
  command
      ->add_option("--views", options->views,
                   "Number of views at evenly spaced azimuths (a contact sheet when > 1)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      ->add_option("--azimuth", options->camera.azimuth_degrees,
                   "Azimuth of the (first) view in degrees; 0 looks at the front (+Z)")
      ->capture_default_str();
  command
      ->add_option("--elevation", options->camera.elevation_degrees,
                   "Elevation in degrees, positive from above")
      ->check(CLI::Range(-90.0f, 90.0f))
      ->capture_default_str();
  command->add_option("--radius", options->camera.radius, "Camera distance from the centre")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--fov", options->camera.fov_y_degrees, "Vertical field of view in degrees")
      ->check(CLI::Range(1.0f, 170.0f))
      ->capture_default_str();
  command
      ->add_option("--fit", options->fit,
                   "Recentre and scale so the bounding box's longest side is this (0: keep the "
                   "file's coordinates)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--background", options->background, "Background colour R,G,B in 0..1")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::Range(0.0f, 1.0f))
      ->default_str("1,1,1");
  command->add_option("--shading", options->shading, "Mesh shading: lit or unlit")
      ->check(CLI::IsMember({"lit", "unlit"}))
      ->capture_default_str();
  command->callback([&run, options] { run = [options] { return render(*options); }; });
}

}  // namespace atlas::cli
