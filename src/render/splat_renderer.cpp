#include "render/splat_renderer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/fast_exp.h"
#include "core/parallel_for.h"
#include "core/wide_vectors.h"

namespace atlas::render {

namespace {

// Constants of the reference rasteriser (graphdeco-inria diff-gaussian-rasterization).
constexpr int kTileSize = 16;
constexpr int kHalfRow = kTileSize / 2;
constexpr float kLowPassVariance = 0.3f;  // pixels^2, keeps every splat at least ~1 px wide
constexpr float kMinAlpha = 1.0f / 255.0f;
constexpr float kMaxAlpha = 0.99f;
constexpr float kMinTransmittance = 1e-4f;
constexpr float kExtentSigmas = 3.0f;
constexpr float kJacobianClampFactor = 1.3f;  // how far past the frustum edge J stays valid

constexpr float kShC1 = 0.4886025119029199f;
constexpr float kShC2[] = {1.0925484305920792f, -1.0925484305920792f, 0.31539156525252005f,
                           -1.0925484305920792f, 0.5462742152960396f};
constexpr float kShC3[] = {-0.5900435899266435f, 2.890611442640554f,   -0.4570457994644658f,
                           0.3731763325901154f,  -0.4570457994644658f, 1.445305721320277f,
                           -0.5900435899266435f};

// A splat after projection: everything compositing needs, nothing more.
struct ScreenSplat {
  float x = 0, y = 0;                           // centre in pixels
  float conic_a = 0, conic_b = 0, conic_c = 0;  // inverse 2D covariance
  float opacity = 0;
  float min_power = 0;  // exponents below this give alpha < kMinAlpha
  float red = 0, green = 0, blue = 0;
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // covered pixels [x0, x1) x [y0, y1)
};

// Everything of the camera the per-splat projection reads, in the OpenCV-style camera
// frame (x right, y down, z forward) the EWA formulas are written in.
struct Projector {
  float rotation[3][3];
  float translation[3];
  Vec3 eye;
  float focal_x, focal_y;
  float centre_x, centre_y;
  float limit_x, limit_y;  // clamp of x/z and y/z for the Jacobian
  float near_plane;
  int width, height;
};

Projector make_projector(const OrbitCamera& camera) {
  const CameraMatrices m = camera_matrices(camera);
  Projector p;
  // The view matrix maps to a camera looking down -Z with +Y up; flip Y and Z.
  const float flip[3] = {1, -1, -1};
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) p.rotation[row][col] = flip[row] * m.view[row * 4 + col];
    p.translation[row] = flip[row] * m.view[row * 4 + 3];
  }
  p.eye = m.eye;
  p.focal_x = m.focal_x;
  p.focal_y = m.focal_y;
  p.centre_x = 0.5f * static_cast<float>(camera.width);
  p.centre_y = 0.5f * static_cast<float>(camera.height);
  p.limit_x = kJacobianClampFactor * p.centre_x / p.focal_x;
  p.limit_y = kJacobianClampFactor * p.centre_y / p.focal_y;
  p.near_plane = m.near_plane;
  p.width = camera.width;
  p.height = camera.height;
  return p;
}

// Colour of splat `index` seen along unit direction `dir` (from the eye to the splat),
// as the reference evaluates it: 0.5 + sum of SH terms, clamped below at 0.
Vec3 sh_colour(const SplatCloud& cloud, std::size_t index, Vec3 dir) {
  const Vec3 dc = cloud.sh_dc[index];
  float rgb[3] = {conventions::kShC0 * dc.x, conventions::kShC0 * dc.y, conventions::kShC0 * dc.z};
  const int degree = std::clamp(cloud.sh_degree, 0, 3);
  if (degree > 0) {
    const int coefficients = sh_rest_coefficients(cloud.sh_degree);
    const float* sh = cloud.sh_rest.data() + index * static_cast<std::size_t>(coefficients) * 3;
    const float x = dir.x, y = dir.y, z = dir.z;
    float basis[15];
    basis[0] = -kShC1 * y;
    basis[1] = kShC1 * z;
    basis[2] = -kShC1 * x;
    if (degree > 1) {
      const float xx = x * x, yy = y * y, zz = z * z;
      basis[3] = kShC2[0] * x * y;
      basis[4] = kShC2[1] * y * z;
      basis[5] = kShC2[2] * (2.0f * zz - xx - yy);
      basis[6] = kShC2[3] * x * z;
      basis[7] = kShC2[4] * (xx - yy);
      if (degree > 2) {
        basis[8] = kShC3[0] * y * (3.0f * xx - yy);
        basis[9] = kShC3[1] * x * y * z;
        basis[10] = kShC3[2] * y * (4.0f * zz - xx - yy);
        basis[11] = kShC3[3] * z * (2.0f * zz - 3.0f * xx - 3.0f * yy);
        basis[12] = kShC3[4] * x * (4.0f * zz - xx - yy);
        basis[13] = kShC3[5] * z * (xx - yy);
        basis[14] = kShC3[6] * x * (xx - 3.0f * yy);
      }
    }
    const int used = sh_rest_coefficients(degree);
    for (int k = 0; k < used; ++k) {
      for (int c = 0; c < 3; ++c) rgb[c] += basis[k] * sh[k * 3 + c];
    }
  }
  return {std::max(0.0f, rgb[0] + 0.5f), std::max(0.0f, rgb[1] + 0.5f),
          std::max(0.0f, rgb[2] + 0.5f)};
}

// Projects splat `index`; returns false when it cannot be seen (behind the near plane,
// outside the image, too transparent, degenerate or not finite).
bool project_splat(const SplatCloud& cloud, std::size_t index, const Projector& camera,
                   const Framing& framing, ScreenSplat& out, float& depth) {
  const float opacity = sigmoid(cloud.opacity_logits[index]);
  if (!(opacity >= kMinAlpha)) return false;

  const Vec3 world = (cloud.positions[index] - framing.center) * framing.scale;
  float view[3];
  for (int row = 0; row < 3; ++row) {
    view[row] = camera.rotation[row][0] * world.x + camera.rotation[row][1] * world.y +
                camera.rotation[row][2] * world.z + camera.translation[row];
  }
  const float z = view[2];
  if (!(z > camera.near_plane) || !std::isfinite(z)) return false;

  // Sigma = M M^T with M = R S: rotation from the unit quaternion, S the std-devs.
  const Quat q = normalized(cloud.rotations[index]);
  const float rot[3][3] = {
      {1 - 2 * (q.y * q.y + q.z * q.z), 2 * (q.x * q.y - q.w * q.z), 2 * (q.x * q.z + q.w * q.y)},
      {2 * (q.x * q.y + q.w * q.z), 1 - 2 * (q.x * q.x + q.z * q.z), 2 * (q.y * q.z - q.w * q.x)},
      {2 * (q.x * q.z - q.w * q.y), 2 * (q.y * q.z + q.w * q.x), 1 - 2 * (q.x * q.x + q.y * q.y)}};
  const Vec3 log_scale = cloud.log_scales[index];
  const float scale[3] = {std::exp(log_scale.x) * framing.scale,
                          std::exp(log_scale.y) * framing.scale,
                          std::exp(log_scale.z) * framing.scale};

  // T = J W: the EWA Jacobian of the perspective projection at the splat centre times
  // the world-to-camera rotation. x/z and y/z are clamped like the reference so splats
  // far outside the view do not get absurd footprints.
  const float tx = std::clamp(view[0] / z, -camera.limit_x, camera.limit_x) * z;
  const float ty = std::clamp(view[1] / z, -camera.limit_y, camera.limit_y) * z;
  const float j00 = camera.focal_x / z, j02 = -camera.focal_x * tx / (z * z);
  const float j11 = camera.focal_y / z, j12 = -camera.focal_y * ty / (z * z);
  float t[2][3];
  for (int col = 0; col < 3; ++col) {
    t[0][col] = j00 * camera.rotation[0][col] + j02 * camera.rotation[2][col];
    t[1][col] = j11 * camera.rotation[1][col] + j12 * camera.rotation[2][col];
  }
  // cov2d = (T M)(T M)^T.
  float tm[2][3];
  for (int row = 0; row < 2; ++row) {
    for (int col = 0; col < 3; ++col) {
      tm[row][col] = (t[row][0] * rot[0][col] + t[row][1] * rot[1][col] + t[row][2] * rot[2][col]) *
                     scale[col];
    }
  }
  const float a =
      tm[0][0] * tm[0][0] + tm[0][1] * tm[0][1] + tm[0][2] * tm[0][2] + kLowPassVariance;
  const float b = tm[0][0] * tm[1][0] + tm[0][1] * tm[1][1] + tm[0][2] * tm[1][2];
  const float c =
      tm[1][0] * tm[1][0] + tm[1][1] * tm[1][1] + tm[1][2] * tm[1][2] + kLowPassVariance;
  const float det = a * c - b * b;
  if (!(det > 0) || !std::isfinite(det)) return false;

  const float centre_x = camera.centre_x + camera.focal_x * view[0] / z;
  const float centre_y = camera.centre_y + camera.focal_y * view[1] / z;
  // Beyond sqrt(2 ln(255 alpha)) sigmas alpha drops under 1/255, so a faint splat's
  // footprint is smaller than the 3-sigma box.
  const float sigmas = std::min(kExtentSigmas, std::sqrt(2.0f * std::log(opacity / kMinAlpha)));
  const float half_x = sigmas * std::sqrt(a);
  const float half_y = sigmas * std::sqrt(c);
  if (!std::isfinite(centre_x) || !std::isfinite(centre_y) || !std::isfinite(half_x) ||
      !std::isfinite(half_y)) {
    return false;
  }
  // Pixel i is covered when its centre i + 0.5 lies inside the extent.
  const auto first = [](float low, int size) {
    return static_cast<int>(std::clamp(std::ceil(low - 0.5f), 0.0f, static_cast<float>(size)));
  };
  const auto past = [](float high, int size) {
    return static_cast<int>(
        std::clamp(std::floor(high - 0.5f) + 1.0f, 0.0f, static_cast<float>(size)));
  };
  out.x0 = first(centre_x - half_x, camera.width);
  out.x1 = past(centre_x + half_x, camera.width);
  out.y0 = first(centre_y - half_y, camera.height);
  out.y1 = past(centre_y + half_y, camera.height);
  if (out.x0 >= out.x1 || out.y0 >= out.y1) return false;

  out.x = centre_x;
  out.y = centre_y;
  out.conic_a = c / det;
  out.conic_b = -b / det;
  out.conic_c = a / det;
  out.opacity = opacity;
  out.min_power = std::log(kMinAlpha / opacity);
  const Vec3 colour = sh_colour(cloud, index, normalize(world - camera.eye));
  out.red = colour.x;
  out.green = colour.y;
  out.blue = colour.z;
  depth = z;
  return true;
}

// Splats binned by tile: tile t's splats, nearest first, are
// order[offsets[t]] .. order[offsets[t + 1] - 1], indices into the depth-sorted splats.
struct TileBins {
  int tiles_x = 0, tiles_y = 0;
  std::vector<std::size_t> offsets;
  std::vector<std::uint32_t> order;
  std::vector<std::size_t> cursor;  // scratch of bin_by_tile
};

void bin_by_tile(const std::vector<ScreenSplat>& sorted, int width, int height, TileBins& bins) {
  bins.tiles_x = (width + kTileSize - 1) / kTileSize;
  bins.tiles_y = (height + kTileSize - 1) / kTileSize;
  const auto tile_range = [](const ScreenSplat& s, int& tx0, int& tx1, int& ty0, int& ty1) {
    tx0 = s.x0 / kTileSize;
    tx1 = (s.x1 - 1) / kTileSize + 1;
    ty0 = s.y0 / kTileSize;
    ty1 = (s.y1 - 1) / kTileSize + 1;
  };
  // Counted into offsets[t + 1], then summed up in place.
  const std::size_t tiles = std::size_t(bins.tiles_x) * bins.tiles_y;
  bins.offsets.assign(tiles + 1, 0);
  for (const ScreenSplat& s : sorted) {
    int tx0, tx1, ty0, ty1;
    tile_range(s, tx0, tx1, ty0, ty1);
    for (int ty = ty0; ty < ty1; ++ty) {
      for (int tx = tx0; tx < tx1; ++tx) ++bins.offsets[std::size_t(ty) * bins.tiles_x + tx + 1];
    }
  }
  for (std::size_t t = 0; t < tiles; ++t) bins.offsets[t + 1] += bins.offsets[t];
  bins.order.resize(bins.offsets.back());
  // Filling in depth order keeps every tile's list sorted front to back, which is the
  // reference's per-tile depth sort without sorting each tile again.
  bins.cursor.assign(bins.offsets.begin(), bins.offsets.end() - 1);
  for (std::uint32_t i = 0; i < sorted.size(); ++i) {
    int tx0, tx1, ty0, ty1;
    tile_range(sorted[i], tx0, tx1, ty0, ty1);
    for (int ty = ty0; ty < ty1; ++ty) {
      for (int tx = tx0; tx < tx1; ++tx)
        bins.order[bins.cursor[std::size_t(ty) * bins.tiles_x + tx]++] = i;
    }
  }
}

std::uint8_t to_byte(float value) {
  if (!(value > 0.0f)) return 0;  // also NaN
  // std::lround without the library call: the scaled value is in [0, 255], where truncation
  // is floor and value - floor is exact.
  const float scaled = std::min(value, 1.0f) * 255.0f;
  const int whole = static_cast<int>(scaled);
  return static_cast<std::uint8_t>(whole + (scaled - static_cast<float>(whole) >= 0.5f ? 1 : 0));
}

// Front-to-back compositing of one tile, exactly as the reference kernel does per pixel.
// A splat updates each half row of the tile it overlaps as kHalfRow independent lanes
// doing the same arithmetic, the pixels it leaves alone (outside its extent, too faint or
// done) masked by selects rather than skipped by branches, so that GCC vectorises it: one
// AVX2 vector, or two SSE ones. A done pixel's `live` is 0, which zeroes its alpha.
ATLAS_WIDE_VECTORS void composite_tile(int tile, const TileBins& bins,
                                       const std::vector<ScreenSplat>& splats, Vec3 background,
                                       Image& image) {
  const int x_begin = (tile % bins.tiles_x) * kTileSize;
  const int y_begin = (tile / bins.tiles_x) * kTileSize;
  const int x_end = std::min(x_begin + kTileSize, image.width);
  const int y_end = std::min(y_begin + kTileSize, image.height);
  constexpr int kPixels = kTileSize * kTileSize;
  float transmittance[kPixels];
  float red[kPixels] = {}, green[kPixels] = {}, blue[kPixels] = {};
  float live[kPixels];  // 1 or 0, float like the rest so the row loop has one lane width
  std::fill(std::begin(transmittance), std::end(transmittance), 1.0f);
  std::fill(std::begin(live), std::end(live), 1.0f);
  int active = (x_end - x_begin) * (y_end - y_begin);
  // Pixels not done in each half row: splats skip the half rows already opaque.
  int half_row_active[kPixels / kHalfRow] = {};
  for (int y = y_begin; y < y_end; ++y) {
    for (int x = x_begin; x < x_end; ++x)
      ++half_row_active[((y - y_begin) * kTileSize + x - x_begin) / kHalfRow];
  }

  const std::size_t end = bins.offsets[tile + 1];
  for (std::size_t k = bins.offsets[tile]; k < end && active > 0; ++k) {
    // A tile's splats are scattered through the depth-sorted array and most need little
    // work here, so waiting for their memory is much of the time; fetch a few ahead.
    constexpr std::size_t kPrefetchDistance = 8;
    if (k + kPrefetchDistance < end) __builtin_prefetch(&splats[bins.order[k + kPrefetchDistance]]);
    const ScreenSplat& s = splats[bins.order[k]];
    const int sx0 = std::max(s.x0, x_begin), sx1 = std::min(s.x1, x_end);
    const int sy0 = std::max(s.y0, y_begin), sy1 = std::min(s.y1, y_end);
    // A row has pixels with alpha >= 1/255 only if the quadratic
    // a dx^2 + 2 b dy dx + c dy^2 = -2 min_power has roots on it.
    const float limit = -2.0f * s.min_power;
    // Out of [min_power, 0] the exponent is replaced by this one, which gives 1/e of the
    // least alpha kept: the pixel is rejected as the reference rejects it, and
    // fast_exp_in_range only sees arguments in its range. A NaN power (an overflowing
    // conic) is rejected too, where the reference would take alpha 0.99.
    const float rejected_power = s.min_power - 1.0f;
    // A local, not read from the splat in the loop: GCC does not vectorise a load it has
    // moved under a condition.
    const Vec3 colour{s.red, s.green, s.blue};
    for (int y = sy0; y < sy1; ++y) {
      const float dy = static_cast<float>(y) + 0.5f - s.y;
      const float discriminant =
          s.conic_b * s.conic_b * dy * dy - s.conic_a * (s.conic_c * dy * dy - limit);
      if (!(discriminant >= 0.0f)) continue;
      const int row = (y - y_begin) * kTileSize;
      for (int half = 0; half < kTileSize; half += kHalfRow) {
        int& half_active = half_row_active[(row + half) / kHalfRow];
        if (half_active == 0 || x_begin + half >= sx1 || x_begin + half + kHalfRow <= sx0) continue;
        int finished = 0;
        for (int i = half; i < half + kHalfRow; ++i) {
          const int p = row + i;
          const int x = x_begin + i;
          const float dx = static_cast<float>(x) + 0.5f - s.x;
          const float power =
              -0.5f * (s.conic_a * dx * dx + s.conic_c * dy * dy) - s.conic_b * dx * dy;
          // & rather than &&, here and below: && puts the later compares under branches, and
          // the baseline build then does not vectorise.
          const bool covered = (power <= 0.0f) & (power >= s.min_power) & (x >= sx0) & (x < sx1);
          const float a =
              live[p] *
              std::min(kMaxAlpha, s.opacity * fast_exp_in_range(covered ? power : rejected_power));
          const float t = transmittance[p];
          const float next = t * (1.0f - a);
          const bool hit = a >= kMinAlpha;
          const bool opaque = next < kMinTransmittance;
          const bool blend = hit & !opaque;
          const float weight = a * t;
          red[p] += blend ? colour.x * weight : 0.0f;
          green[p] += blend ? colour.y * weight : 0.0f;
          blue[p] += blend ? colour.z * weight : 0.0f;
          transmittance[p] = blend ? next : t;
          live[p] = hit & opaque ? 0.0f : live[p];
          finished += hit & opaque ? 1 : 0;
        }
        half_active -= finished;
        active -= finished;
      }
    }
  }

  for (int y = y_begin; y < y_end; ++y) {
    for (int x = x_begin; x < x_end; ++x) {
      const int p = (y - y_begin) * kTileSize + (x - x_begin);
      const float t = transmittance[p];
      std::uint8_t* out = image.at(x, y);
      out[0] = to_byte(red[p] + t * background.x);
      out[1] = to_byte(green[p] + t * background.y);
      out[2] = to_byte(blue[p] + t * background.z);
      out[3] = to_byte(1.0f - t);
    }
  }
}

}  // namespace

struct SplatRenderScratch::Buffers {
  std::vector<ScreenSplat> projected, sorted;
  std::vector<std::uint64_t> keys, order;
  std::vector<char> visible;
  TileBins bins;
};

SplatRenderScratch::SplatRenderScratch() : buffers_(std::make_unique<Buffers>()) {}
SplatRenderScratch::~SplatRenderScratch() = default;
SplatRenderScratch::SplatRenderScratch(SplatRenderScratch&&) noexcept = default;
SplatRenderScratch& SplatRenderScratch::operator=(SplatRenderScratch&&) noexcept = default;

Image render_splats(const SplatCloud& cloud, const OrbitCamera& camera, const Framing& framing,
                    const SplatRenderOptions& options) {
  SplatRenderScratch scratch;
  return render_splats(cloud, camera, framing, options, scratch);
}

Image render_splats(const SplatCloud& cloud, const OrbitCamera& camera, const Framing& framing,
                    const SplatRenderOptions& options, SplatRenderScratch& scratch) {
  if (!renderable_size(camera)) return Image{};
  Image image(camera.width, camera.height, 4);
  const Projector projector = make_projector(camera);
  const std::size_t count = cloud.consistent() ? cloud.size() : 0;
  SplatRenderScratch::Buffers& buffers = *scratch.buffers_;

  // Preprocess in parallel chunks; a splat's depth key is kept beside its index so one
  // sort orders everything front to back. Only visible splats' entries are read.
  std::vector<ScreenSplat>& projected = buffers.projected;
  std::vector<std::uint64_t>& keys = buffers.keys;
  std::vector<char>& visible = buffers.visible;
  projected.resize(count);
  keys.resize(count);
  visible.assign(count, 0);
  constexpr std::size_t kChunk = 4096;
  const int chunks = static_cast<int>((count + kChunk - 1) / kChunk);
  parallel_for_index(chunks, options.threads, [&](int chunk) {
    const std::size_t end = std::min(count, (chunk + 1) * kChunk);
    for (std::size_t i = chunk * kChunk; i < end; ++i) {
      float depth = 0;
      if (!project_splat(cloud, i, projector, framing, projected[i], depth)) continue;
      visible[i] = 1;
      // Positive floats order like their bit patterns.
      keys[i] = (std::uint64_t{std::bit_cast<std::uint32_t>(depth)} << 32) | i;
    }
  });
  std::vector<std::uint64_t>& order = buffers.order;
  order.clear();
  for (std::size_t i = 0; i < count; ++i) {
    if (visible[i]) order.push_back(keys[i]);
  }
  std::sort(order.begin(), order.end());
  std::vector<ScreenSplat>& sorted = buffers.sorted;
  sorted.resize(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) sorted[i] = projected[order[i] & 0xffffffffu];

  bin_by_tile(sorted, camera.width, camera.height, buffers.bins);
  parallel_for_index(buffers.bins.tiles_x * buffers.bins.tiles_y, options.threads, [&](int tile) {
    composite_tile(tile, buffers.bins, sorted, options.background, image);
  });
  return image;
}

}  // namespace atlas::render
