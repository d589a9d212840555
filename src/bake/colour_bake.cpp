#include "bake/colour_bake.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "bake/mesh_surface.h"
#include "bake/splat_grid.h"
#include "bake/texel_surface.h"
#include "core/parallel_for.h"
#include "core/wide_vectors.h"
#include "render/texture_sampler.h"

namespace atlas::bake {

namespace {

// Front-to-back compositing stops once this little light gets through.
constexpr float kMinTransmittance = 1e-3f;
// Below this accumulated alpha a texel is taken as seeing no splat.
constexpr float kMinCoverage = 1.0f / 255.0f;
// The ray starts this many typical splat radii (about 3 sigma each) outside the surface
// and ends kInsideRadii inside it. On the 404 outputs an extracted surface lies outside
// most of the opacity that makes it (alpha accumulates to 0.5 about 0.5 to 1.25 radii
// inside), while little lies more than a radius outside; a longer ray costs time (each
// radius adds splats to sort) and would reach across concave parts of the object.
// Measured end to end (extraction, reduction, unwrap, bake; unlit renders against the
// splats), 0.75 + 1.75 beats 1.5 + 1 by 1 dB on robocop and matches it elsewhere.
constexpr float kOutsideRadii = 0.75f;
constexpr float kInsideRadii = 1.75f;
// Cells that group texels, and cells of the splat index, in typical splat radii.
constexpr float kBucketRadii = 2.0f;
constexpr float kGridRadii = 2.0f;
// The nearest-splat fallback ignores faint splats (floaters).
constexpr float kFallbackMinAlpha = 0.1f;
// Rows a band of texels is rasterised in at once.
constexpr int kBandRows = 16;
// Atlas texels the splat bake takes on at once.
constexpr std::size_t kSlabTexels = std::size_t(1) << 21;

std::uint8_t to_byte(float value) {
  return std::uint8_t(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
}

// The median bounding radius of the clearly visible splats (of all when none is).
float typical_radius(const std::vector<RaySplat>& splats) {
  std::vector<float> radii;
  for (const RaySplat& s : splats) {
    if (s.alpha >= kFallbackMinAlpha) radii.push_back(s.radius);
  }
  if (radii.empty()) {
    for (const RaySplat& s : splats) radii.push_back(s.radius);
  }
  const auto middle = radii.begin() + std::ptrdiff_t(radii.size() / 2);
  std::nth_element(radii.begin(), middle, radii.end());
  return *middle;
}

struct Hit {
  float t;
  float alpha;
  std::uint32_t splat;
};

// The splats near one bucket of rays, copied so that they sit together in memory, one
// array a quantity so that the per-ray test runs in vectors.
struct Candidates {
  std::vector<float> x, y, z, radius;         // bounding spheres
  std::array<std::vector<float>, 9> to_unit;  // RaySplat::to_unit, entry by entry
  std::vector<float> cutoff, alpha;
  std::vector<std::uint32_t> splat;
  // Scratch for one ray: each candidate's peak and squared distance there, whether the
  // ray meets it, the hits in compositing order.
  std::vector<float> peak, squared;
  std::vector<std::uint32_t> met;
  std::vector<std::uint64_t> order;

  void gather(std::span<const std::uint32_t> ids, const std::vector<RaySplat>& splats) {
    const std::size_t n = ids.size();
    for (std::vector<float>* v : {&x, &y, &z, &radius, &cutoff, &alpha, &peak, &squared})
      v->resize(n);
    for (std::vector<float>& entry : to_unit) entry.resize(n);
    splat.resize(n), met.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const RaySplat& s = splats[ids[k]];
      x[k] = s.position.x, y[k] = s.position.y, z[k] = s.position.z, radius[k] = s.radius;
      for (int e = 0; e < 9; ++e) to_unit[e][k] = s.to_unit[e];
      cutoff[k] = s.cutoff;
      alpha[k] = s.alpha;
      splat[k] = ids[k];
    }
  }
};

// For each candidate, whether the ray origin + t dir, t in [0, length], meets it with
// alpha at least 1/255 (met), where along the ray its alpha peaks and the squared
// Mahalanobis distance there. One branch-free loop the compiler vectorises: on the 404
// splats about 40 % of the candidates pass the cheap bounding-sphere test, too many for
// picking out the survivors and testing them one by one to pay (a third more CPU). The outputs are
// restrict parameters because the vectoriser cannot rule out aliasing across this many arrays by
// itself.
inline void test_candidates(Vec3 origin, Vec3 dir, float ray_length, const Candidates& candidates,
                            float* __restrict peak, float* __restrict squared,
                            std::uint32_t* __restrict met) {
  const std::size_t n = candidates.x.size();
  const float* cx = candidates.x.data();
  const float* cy = candidates.y.data();
  const float* cz = candidates.z.data();
  const float* cr = candidates.radius.data();
  // Each entry its own pointer: the vectoriser does not follow an array of pointers.
  const float *m0 = candidates.to_unit[0].data(), *m1 = candidates.to_unit[1].data(),
              *m2 = candidates.to_unit[2].data(), *m3 = candidates.to_unit[3].data(),
              *m4 = candidates.to_unit[4].data(), *m5 = candidates.to_unit[5].data(),
              *m6 = candidates.to_unit[6].data(), *m7 = candidates.to_unit[7].data(),
              *m8 = candidates.to_unit[8].data();
  const float* cutoff = candidates.cutoff.data();
  for (std::size_t k = 0; k < n; ++k) {
    const float wx = cx[k] - origin.x, wy = cy[k] - origin.y, wz = cz[k] - origin.z;
    const float r = cr[k];
    const float along = wx * dir.x + wy * dir.y + wz * dir.z;
    const float off_axis = wx * wx + wy * wy + wz * wz - along * along;
    const bool close = (along >= -r) & (along <= ray_length + r) & (off_axis <= r * r);
    // The offset from the centre and the direction in the splat's unit frame.
    const Vec3 o{-(m0[k] * wx + m1[k] * wy + m2[k] * wz), -(m3[k] * wx + m4[k] * wy + m5[k] * wz),
                 -(m6[k] * wx + m7[k] * wy + m8[k] * wz)};
    const Vec3 v{m0[k] * dir.x + m1[k] * dir.y + m2[k] * dir.z,
                 m3[k] * dir.x + m4[k] * dir.y + m5[k] * dir.z,
                 m6[k] * dir.x + m7[k] * dir.y + m8[k] * dir.z};
    const float vv = dot(v, v);
    const float t = -dot(o, v) / vv;
    // Squared Mahalanobis distance at the peak: |o x v|^2 / |v|^2, free of the
    // cancellation |o|^2 - (o.v)^2 / |v|^2 suffers for thin splats.
    const Vec3 c = cross(o, v);
    const float d2 = dot(c, c) / vv;
    peak[k] = t;
    squared[k] = d2;
    met[k] = close & (vv > 0) & (t >= 0) & (t <= ray_length) & (d2 <= cutoff[k]);
  }
}

// Colour (premultiplied sum) and alpha the splats composite to along origin + t dir,
// t in [0, length], front to back. Most of a splat bake's time, so also built for AVX2.
ATLAS_WIDE_VECTORS void composite(Vec3 origin, Vec3 dir, float ray_length, Candidates& candidates,
                                  const std::vector<RaySplat>& splats, std::vector<Hit>& hits,
                                  Vec3& colour, float& alpha) {
  test_candidates(origin, dir, ray_length, candidates, candidates.peak.data(),
                  candidates.squared.data(), candidates.met.data());
  const std::vector<float>& peak = candidates.peak;
  const std::vector<float>& squared = candidates.squared;
  hits.clear();
  for (std::size_t k = 0; k < candidates.met.size(); ++k) {
    if (!candidates.met[k]) continue;
    // + 0: a -0 would sort as the largest key below.
    hits.push_back(
        {peak[k] + 0.0f, candidates.alpha[k] * std::exp(-0.5f * squared[k]), candidates.splat[k]});
  }
  // Sorted by (t, order found) packed in one integer (t >= 0, so its bits order like
  // it), by insertion: a ray meets a few dozen splats.
  std::vector<std::uint64_t>& order = candidates.order;
  order.resize(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    order[i] = std::uint64_t(std::bit_cast<std::uint32_t>(hits[i].t)) << 32 | i;
    std::size_t j = i;
    for (; j > 0 && order[j - 1] > order[i]; --j) {
    }
    const std::uint64_t key = order[i];
    std::copy_backward(order.begin() + std::ptrdiff_t(j), order.begin() + std::ptrdiff_t(i),
                       order.begin() + std::ptrdiff_t(i) + 1);
    order[j] = key;
  }
  colour = {};
  alpha = 0;
  float transmittance = 1;
  for (const std::uint64_t key : order) {
    const Hit& hit = hits[key & 0xffffffffu];
    const float weight = transmittance * hit.alpha;
    colour = colour + splats[hit.splat].colour * weight;
    alpha += weight;
    transmittance *= 1 - hit.alpha;
    if (transmittance < kMinTransmittance) break;
  }
}

// The covered texels of the atlas: where each is and which way the surface faces there.
struct CoveredTexels {
  std::vector<std::uint32_t> index;  // texel_index(size, x, y)
  std::vector<Vec3> position, normal;
};

// The covered texels of atlas rows [first_row, first_row + rows).
CoveredTexels covered_texels(const Primitive& low, int size, int first_row, int rows, int threads) {
  // Rasterised twice, counting and then writing, which costs less than growing and
  // joining per-band arrays.
  const int bands = (rows + kBandRows - 1) / kBandRows;
  // Each thread reuses one band's storage.
  tbb::enumerable_thread_specific<TexelSurface> surfaces;
  auto band_rows = [&](int band) -> const TexelSurface& {
    TexelSurface& surface = surfaces.local();
    rasterize_texel_rows(low, size, first_row + band * kBandRows,
                         std::min(kBandRows, rows - band * kBandRows), surface);
    return surface;
  };
  std::vector<std::size_t> first(static_cast<std::size_t>(bands) + 1, 0);
  parallel_for_index(bands, threads, [&](int band) {
    const TexelSurface& surface = band_rows(band);
    first[std::size_t(band) + 1] =
        std::size_t(std::count_if(surface.texels.begin(), surface.texels.end(),
                                  [](const TexelSample& texel) { return texel.triangle >= 0; }));
  });
  for (int band = 0; band < bands; ++band) first[band + 1] += first[band];
  CoveredTexels all;
  all.index.resize(first.back());
  all.position.resize(first.back());
  all.normal.resize(first.back());
  parallel_for_index(bands, threads, [&](int band) {
    const TexelSurface& surface = band_rows(band);
    std::size_t k = first[std::size_t(band)];
    for (int y = surface.first_row; y < surface.first_row + surface.rows; ++y) {
      for (int x = 0; x < size; ++x) {
        const TexelSample& texel = surface.at(x, y);
        if (texel.triangle < 0) continue;
        all.index[k] = std::uint32_t(texel_index(size, x, y));
        all.position[k] = texel.position;
        all.normal[k] = texel.normal;
        ++k;
      }
    }
  });
  return all;
}

// Mean colour of the covered texels, alpha 0: what the atlas holds beyond its gutters,
// so mipmaps of the atlas stay the object's colour.
void fill_background(Image& image, const std::vector<std::uint8_t>& coverage, int dilation) {
  std::uint64_t sum[3] = {0, 0, 0}, count = 0;
  for (std::size_t i = 0; i < coverage.size(); ++i) {
    if (!coverage[i]) continue;
    for (int c = 0; c < 3; ++c) sum[c] += image.pixels[i * 4 + c];
    ++count;
  }
  std::uint8_t background[4] = {0, 0, 0, 0};
  for (int c = 0; c < 3 && count > 0; ++c)
    background[c] = std::uint8_t((sum[c] + count / 2) / count);
  finish_texture(image, coverage, dilation, background);
}

}  // namespace

struct SplatBakeSource::Prepared {
  Prepared(const SplatCloud& cloud, int threads)
      : splats(prepare_splats(cloud, threads)),
        radius(splats.empty() ? 0.0f : std::max(typical_radius(splats), 1e-6f)),
        grid(splats, kGridRadii * radius),
        nearest(splats, kFallbackMinAlpha) {}

  std::vector<RaySplat> splats;
  float radius;  // typical, of the clearly visible splats
  SplatGrid grid;
  NearestSplat nearest;
};

SplatBakeSource::SplatBakeSource(const SplatCloud& splats, int threads)
    : prepared_(std::make_unique<const Prepared>(splats, threads)) {}
SplatBakeSource::~SplatBakeSource() = default;
SplatBakeSource::SplatBakeSource(SplatBakeSource&&) noexcept = default;
SplatBakeSource& SplatBakeSource::operator=(SplatBakeSource&&) noexcept = default;

Image bake_splat_colour(const Primitive& low, const SplatCloud& splats,
                        const BakeOptions& options) {
  if (!bakeable(low, options.texture_size)) return {};
  return bake_splat_colour(low, SplatBakeSource(splats, options.threads), options);
}

Image bake_splat_colour(const Primitive& low, const SplatBakeSource& source,
                        const BakeOptions& options) {
  const int size = options.texture_size;
  if (!bakeable(low, size)) return {};
  const SplatBakeSource::Prepared& splats = *source.prepared_;
  if (splats.splats.empty()) return {};
  const std::vector<RaySplat>& prepared = splats.splats;
  const float radius = splats.radius;
  const float outside = kOutsideRadii * radius, ray_length = outside + kInsideRadii * radius;
  const SplatGrid& grid = splats.grid;
  const NearestSplat& nearest = splats.nearest;
  Image image(size, size, 4);
  std::vector<std::uint8_t> coverage(std::size_t(size) * size, 0);
  bool any = false;
  // What a thread works in, kept from bucket to bucket.
  struct Scratch {
    std::vector<std::uint32_t> ids;
    Candidates candidates;
    std::vector<Hit> hits;
  };
  tbb::enumerable_thread_specific<Scratch> scratches;
  // Slabs of rows bound the memory the texels take at large sizes (one slab at 1024^2).
  const int slab_rows = std::max(kBandRows, int(kSlabTexels / std::size_t(size)));
  for (int first_row = 0; first_row < size; first_row += slab_rows) {
    const CoveredTexels texels = covered_texels(
        low, size, first_row, std::min(slab_rows, size - first_row), options.threads);
    if (texels.index.empty()) continue;
    any = true;
    const SegmentBuckets buckets(texels.position, texels.normal, outside, outside - ray_length,
                                 kBucketRadii * radius);
    parallel_for_index(int(buckets.bucket_count()), options.threads, [&](int bucket) {
      Scratch& scratch = scratches.local();
      std::vector<Hit>& hits = scratch.hits;
      Candidates& candidates = scratch.candidates;
      scratch.ids.clear();
      grid.overlapping(buckets.box(std::size_t(bucket)), scratch.ids);
      candidates.gather(scratch.ids, prepared);
      for (std::uint32_t k : buckets.segments(std::size_t(bucket))) {
        Vec3 colour;
        float alpha = 0;
        const Vec3 normal = texels.normal[k];
        composite(texels.position[k] + normal * outside, normal * -1.0f, ray_length, candidates,
                  prepared, hits, colour, alpha);
        if (alpha >= kMinCoverage) {
          colour = colour * (1.0f / alpha);
        } else {
          const std::int64_t i = nearest.nearest(texels.position[k]);
          colour = i >= 0 ? prepared[std::size_t(i)].colour : Vec3{};
        }
        std::uint8_t* pixel = image.pixels.data() + std::size_t(texels.index[k]) * 4;
        pixel[0] = to_byte(colour.x), pixel[1] = to_byte(colour.y), pixel[2] = to_byte(colour.z);
        pixel[3] = 255;
        coverage[texels.index[k]] = 1;
      }
    });
  }
  if (!any) return {};
  fill_background(image, coverage, options.dilation_texels);
  return image;
}

Image bake_mesh_colour(const Primitive& low, const Mesh& high, const BakeOptions& options) {
  if (!bakeable(low, options.texture_size)) return {};
  return bake_mesh_colour(low, MeshBakeSource(high), options);
}

Image bake_mesh_colour(const Primitive& low, const MeshBakeSource& high_source,
                       const BakeOptions& options) {
  const int size = options.texture_size;
  if (!bakeable(low, size)) return {};
  const Mesh& high = high_source.mesh();
  const MeshSurface& source = high_source.surface();
  if (source.empty()) return {};
  const float max_distance = kSearchFraction * source.diagonal();
  Image image(size, size, 4);
  std::vector<std::uint8_t> coverage(std::size_t(size) * size, 0);
  const int bands = (size + kBandRows - 1) / kBandRows;
  tbb::enumerable_thread_specific<TexelSurface> surfaces;  // one band a thread, reused
  parallel_for_index(bands, options.threads, [&](int band) {
    TexelSurface& surface = surfaces.local();
    rasterize_texel_rows(low, size, band * kBandRows, kBandRows, surface);
    for (int y = surface.first_row; y < surface.first_row + surface.rows; ++y) {
      for (int x = 0; x < size; ++x) {
        const TexelSample& texel = surface.at(x, y);
        if (texel.triangle < 0) continue;
        const SurfacePoint point = source.find(texel.position, texel.normal, max_distance, true);
        if (!point.found) continue;
        const Vec4 colour = base_colour_at(high, point);
        std::uint8_t* pixel = image.at(x, y);
        pixel[0] = render::linear_to_srgb(colour.x);
        pixel[1] = render::linear_to_srgb(colour.y);
        pixel[2] = render::linear_to_srgb(colour.z);
        pixel[3] = 255;
        coverage[texel_index(size, x, y)] = 1;
      }
    }
  });
  fill_background(image, coverage, options.dilation_texels);
  return image;
}

}  // namespace atlas::bake
