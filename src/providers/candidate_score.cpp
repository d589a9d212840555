#include "providers/candidate_score.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <tuple>
#include <unordered_map>

#include "asset/statistics.h"
#include "geometry/merge.h"
#include "geometry/mesh_cleanup.h"
#include "render/camera.h"
#include "render/image_metrics.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"

namespace atlas::providers {

namespace {

// A pixel belongs to the footprint when anything at all shows there (about 1 % alpha),
// and is solid when it is inside the silhouette as the fidelity metrics define it: a
// fuzzy cloud has a wide faint halo around its solid core.
constexpr std::uint8_t kFootprintAlpha = 3;

// Half-saturation points of the render terms: the measure at which the score is 0.5.
// Set between the test files at 128²: 404's hamburger, monkey and robocop measure a
// sharpness of 1,300-10,800 and a contrast of 0.18-0.25, the DreamGaussian blob 160 and
// 0.06. Lit, anti-aliased mesh renders have hard shading edges and measure 8,000-23,000
// (trellis-sample, DamagedHelmet), hence their own sharpness scale.
constexpr double kSplatSharpnessHalf = 400;
constexpr double kMeshSharpnessHalf = 4000;
constexpr double kContrastHalf = 0.1;

// Triangle counts scored on a log scale from kFewTriangles (0) to kManyTriangles (1):
// 404-mesh's face_count starts at 20,000, a score of 0.65.
constexpr double kFewTriangles = 1000;
constexpr double kManyTriangles = 100000;

double saturating(double measure, double half) {
  return measure > 0 ? measure / (measure + half) : 0;
}

std::vector<render::OrbitCamera> score_cameras() {
  render::OrbitCamera base;
  base.elevation_degrees = -15;
  base.width = kScoreViewSize;
  base.height = kScoreViewSize;
  return render::orbit_ring(base, kScoreViews);
}

// Pixels of the image rectangle that the framed bounding box's eight corners span, at
// least one.
double projected_box_area(const Bounds& bounds, const render::Framing& framing,
                          const render::OrbitCamera& camera) {
  const render::CameraMatrices m = render::camera_matrices(camera);
  double u_min = camera.width, u_max = 0, v_min = camera.height, v_max = 0;
  for (int corner = 0; corner < 8; ++corner) {
    const Vec3 p{corner & 1 ? bounds.max.x : bounds.min.x, corner & 2 ? bounds.max.y : bounds.min.y,
                 corner & 4 ? bounds.max.z : bounds.min.z};
    const Vec3 f = (p - framing.center) * framing.scale;
    const auto& v = m.view;
    const double x = v[0] * f.x + v[1] * f.y + v[2] * f.z + v[3];
    const double y = v[4] * f.x + v[5] * f.y + v[6] * f.z + v[7];
    const double depth = -(v[8] * f.x + v[9] * f.y + v[10] * f.z + v[11]);
    // A corner behind the camera has no projection: count the whole image instead.
    if (depth <= m.near_plane) return double(camera.width) * camera.height;
    const double u = camera.width / 2.0 + m.focal_x * x / depth;
    const double w = camera.height / 2.0 - m.focal_y * y / depth;
    u_min = std::min(u_min, u);
    u_max = std::max(u_max, u);
    v_min = std::min(v_min, w);
    v_max = std::max(v_max, w);
  }
  u_min = std::clamp(u_min, 0.0, double(camera.width));
  u_max = std::clamp(u_max, 0.0, double(camera.width));
  v_min = std::clamp(v_min, 0.0, double(camera.height));
  v_max = std::clamp(v_max, 0.0, double(camera.height));
  return std::max(1.0, (u_max - u_min) * (v_max - v_min));
}

double luma(const std::uint8_t* pixel) {
  return 0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2];
}

// Adds one view's figures to the running means in `sum` (divided by the view count by
// the caller).
void measure_view(const Image& image, double box_area, ViewMeasures& sum) {
  if (image.empty() || image.channels != 4) return;
  std::size_t footprint = 0, solid = 0;
  double luma_sum = 0, luma_squares = 0;
  double laplacian_sum = 0, laplacian_squares = 0;
  std::size_t laplacian_count = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* pixel = image.at(x, y);
      if (pixel[3] >= kFootprintAlpha) ++footprint;
      if (pixel[3] < render::kSilhouetteAlpha) continue;
      ++solid;
      const double l = luma(pixel);
      luma_sum += l;
      luma_squares += l * l;
      if (x == 0 || y == 0 || x + 1 == image.width || y + 1 == image.height) continue;
      const double laplacian = 4 * l - luma(image.at(x - 1, y)) - luma(image.at(x + 1, y)) -
                               luma(image.at(x, y - 1)) - luma(image.at(x, y + 1));
      laplacian_sum += laplacian;
      laplacian_squares += laplacian * laplacian;
      ++laplacian_count;
    }
  sum.coverage += std::min(1.0, double(solid) / box_area);
  if (footprint > 0) sum.compactness += double(solid) / double(footprint);
  if (solid > 0) {
    const double mean = luma_sum / double(solid);
    sum.contrast += std::sqrt(std::max(0.0, luma_squares / double(solid) - mean * mean)) / 255;
  }
  if (laplacian_count > 0) {
    const double mean = laplacian_sum / double(laplacian_count);
    sum.sharpness += std::max(0.0, laplacian_squares / double(laplacian_count) - mean * mean);
  }
}

template <typename Render>
ViewMeasures measure_views(const Bounds& bounds, const Render& render) {
  ViewMeasures sum;
  if (bounds.empty()) return sum;
  const render::Framing framing = render::fit_framing(bounds);
  const std::vector<render::OrbitCamera> cameras = score_cameras();
  for (const render::OrbitCamera& camera : cameras)
    measure_view(render(camera, framing), projected_box_area(bounds, framing, camera), sum);
  const double views = double(cameras.size());
  return {sum.coverage / views, sum.compactness / views, sum.sharpness / views,
          sum.contrast / views};
}

// The value at `fraction` of the sorted order of `values` (which it reorders).
float percentile(std::vector<float>& values, double fraction) {
  const auto at = values.begin() + std::ptrdiff_t(fraction * double(values.size() - 1));
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

struct CellKey {
  std::int32_t x, y, z;
  friend bool operator==(CellKey, CellKey) = default;
};

struct CellHash {
  std::size_t operator()(CellKey k) const {
    return (std::size_t(std::uint32_t(k.x)) * 73856093u) ^
           (std::size_t(std::uint32_t(k.y)) * 19349663u) ^
           (std::size_t(std::uint32_t(k.z)) * 83492791u);
  }
};

// Cell index of coordinate `value`, clamped far beyond any real grid so that a splat
// millions of cells away still lands in a valid, isolated cell.
std::int32_t cell_index(float value, float origin, float cell) {
  const double index = std::floor((double(value) - origin) / cell);
  return std::int32_t(std::clamp(index, -1e9, 1e9));
}

bool has_base_colour_texture(const Mesh& mesh) {
  for (const Primitive& primitive : mesh.primitives) {
    if (primitive.material < 0 || std::size_t(primitive.material) >= mesh.materials.size())
      continue;
    const int image = mesh.materials[std::size_t(primitive.material)].base_color_texture.image;
    if (image >= 0 && std::size_t(image) < mesh.images.size() &&
        !mesh.images[std::size_t(image)].pixels.empty() && !primitive.uv0.empty())
      return true;
  }
  return false;
}

bool has_vertex_colours(const Mesh& mesh) {
  return std::any_of(mesh.primitives.begin(), mesh.primitives.end(),
                     [](const Primitive& primitive) { return !primitive.colors.empty(); });
}

double weighted_total(const std::vector<ScoreTerm>& terms) {
  double total = 0;
  for (const ScoreTerm& term : terms) total += term.weight * term.score;
  return total;
}

}  // namespace

double splat_floater_share(const SplatCloud& cloud) {
  if (!cloud.consistent()) return 0;
  std::vector<std::size_t> visible;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Vec3 p = cloud.positions[i];
    // Readers refuse non-finite values, but a cloud built in memory may hold them, and
    // a NaN would have no cell.
    if (sigmoid(cloud.opacity_logits[i]) >= 1.0f / 255 && std::isfinite(p.x + p.y + p.z))
      visible.push_back(i);
  }
  if (visible.empty()) return 0;
  std::array<float, 3> low{}, high{};
  std::vector<float> axis(visible.size());
  for (int a = 0; a < 3; ++a) {
    for (std::size_t k = 0; k < visible.size(); ++k) {
      const Vec3 p = cloud.positions[visible[k]];
      axis[k] = a == 0 ? p.x : a == 1 ? p.y : p.z;
    }
    low[a] = percentile(axis, 0.01);
    high[a] = percentile(axis, 0.99);
  }
  const float cell = std::max({high[0] - low[0], high[1] - low[1], high[2] - low[2]}) / 32;
  if (!(cell > 0)) return 0;

  struct Cell {
    double mass = 0;
    int component = -1;
  };
  std::unordered_map<CellKey, Cell, CellHash> cells;
  double total = 0;
  for (std::size_t i : visible) {
    const Vec3 p = cloud.positions[i];
    const double alpha = sigmoid(cloud.opacity_logits[i]);
    cells[{cell_index(p.x, low[0], cell), cell_index(p.y, low[1], cell),
           cell_index(p.z, low[2], cell)}]
        .mass += alpha;
    total += alpha;
  }

  // Components are grown from the cells in key order so that the masses, summed in
  // visiting order, do not depend on the hash table's layout.
  std::vector<CellKey> keys;
  keys.reserve(cells.size());
  for (const auto& entry : cells) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end(),
            [](CellKey a, CellKey b) { return std::tie(a.x, a.y, a.z) < std::tie(b.x, b.y, b.z); });
  double largest = 0;
  int components = 0;
  std::deque<CellKey> queue;
  for (CellKey seed : keys) {
    if (cells[seed].component >= 0) continue;
    const int component = components++;
    double mass = 0;
    cells[seed].component = component;
    queue.push_back(seed);
    while (!queue.empty()) {
      const CellKey key = queue.front();
      queue.pop_front();
      mass += cells[key].mass;
      for (int dz = -1; dz <= 1; ++dz)
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const auto found = cells.find({key.x + dx, key.y + dy, key.z + dz});
            if (found == cells.end() || found->second.component >= 0) continue;
            found->second.component = component;
            queue.push_back(found->first);
          }
    }
    largest = std::max(largest, mass);
  }
  return total > 0 ? std::clamp(1 - largest / total, 0.0, 1.0) : 0;
}

double mesh_floater_share(const Mesh& mesh) {
  Primitive merged = geometry::merge_primitives(mesh);
  const std::size_t triangles = merged.triangle_count();
  if (triangles == 0) return 0;
  geometry::CleanupOptions options;
  // Only floaters are measured: the other repairs would change what the share counts.
  options.remove_interior_shells = false;
  options.orient_outward = false;
  options.max_hole_edges = 0;
  const geometry::CleanupReport report = geometry::clean_up(merged, options);
  return std::min(1.0, double(report.floater_faces) / double(triangles));
}

ViewMeasures measure_splat_views(const SplatCloud& cloud) {
  return measure_views(cloud.bounds(),
                       [&](const render::OrbitCamera& camera, const render::Framing& framing) {
                         return render::render_splats(cloud, camera, framing);
                       });
}

ViewMeasures measure_mesh_views(const Mesh& mesh) {
  render::MeshRenderOptions options;
  options.shading = render::Shading::Lit;
  options.samples_per_side = 2;
  return measure_views(mesh.bounds(),
                       [&](const render::OrbitCamera& camera, const render::Framing& framing) {
                         return render::render_mesh(mesh, camera, framing, options);
                       });
}

CandidateScore score_splats(const SplatCloud& cloud) {
  CandidateScore result;
  result.elements = cloud.size();
  if (!cloud.consistent()) {
    result.rejections.push_back("the splat attribute arrays differ in length");
    return result;
  }
  const SplatStatistics stats = compute_statistics(cloud);
  if (cloud.size() < kMinSplats)
    result.rejections.push_back("only " + std::to_string(cloud.size()) +
                                " splats (404 rejects fewer than 7,000)");
  if (stats.share_nearly_transparent > kMaxNearlyTransparentShare)
    result.rejections.push_back("more than 80 % of opacities are under 0.001 (404 rejects this)");
  if (!cloud.empty() && stats.identity_rotations == cloud.size())
    result.rejections.push_back("every splat rotation is the identity (404 rejects this)");

  const double floaters = splat_floater_share(cloud);
  const ViewMeasures views = measure_splat_views(cloud);
  result.terms = {
      {"floaters", floaters, 1 - floaters, 0.25},
      {"coverage", views.coverage, views.coverage, 0.20},
      {"compactness", views.compactness, views.compactness, 0.20},
      {"sharpness", views.sharpness, saturating(views.sharpness, kSplatSharpnessHalf), 0.20},
      {"contrast", views.contrast, saturating(views.contrast, kContrastHalf), 0.15},
  };
  result.total = weighted_total(result.terms);
  return result;
}

CandidateScore score_mesh(const Mesh& mesh) {
  CandidateScore result;
  const std::size_t triangles = mesh.triangle_count();
  result.elements = triangles;
  if (triangles == 0) result.rejections.push_back("the mesh has no triangles");

  const double floaters = mesh_floater_share(mesh);
  const ViewMeasures views = measure_mesh_views(mesh);
  const double triangle_score = triangles == 0
                                    ? 0
                                    : std::clamp(std::log(double(triangles) / kFewTriangles) /
                                                     std::log(kManyTriangles / kFewTriangles),
                                                 0.0, 1.0);
  const double texture = has_base_colour_texture(mesh) ? 1 : has_vertex_colours(mesh) ? 0.5 : 0;
  result.terms = {
      {"floaters", floaters, 1 - floaters, 0.25},
      {"coverage", views.coverage, views.coverage, 0.15},
      {"triangles", double(triangles), triangle_score, 0.15},
      {"texture", texture, texture, 0.15},
      {"sharpness", views.sharpness, saturating(views.sharpness, kMeshSharpnessHalf), 0.15},
      {"contrast", views.contrast, saturating(views.contrast, kContrastHalf), 0.15},
  };
  result.total = weighted_total(result.terms);
  return result;
}

}  // namespace atlas::providers
