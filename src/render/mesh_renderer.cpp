#include "render/mesh_renderer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/parallel_for.h"
#include "core/wide_vectors.h"
#include "render/texture_sampler.h"

namespace atlas::render {

namespace {

constexpr int kBandRows = 16;
constexpr float kAmbient = 0.3f;
constexpr float kDiffuse = 0.7f;

// Per-vertex values interpolated across a triangle, perspective-correct.
enum Attribute { kU0, kV0, kU1, kV1, kRed, kGreen, kBlue, kAlpha, kNormalX, kNormalY, kNormalZ };
constexpr int kAttributes = 11;
using Attributes = std::array<float, kAttributes>;

// A vertex in camera space (looking down -Z) with its attributes.
struct CameraVertex {
  Vec3 position;
  Attributes attributes;
};

// A vertex on screen: pixel position, 1 / depth and attributes divided by depth, the
// quantities that are linear in screen space.
struct ScreenVertex {
  float x = 0, y = 0, inverse_depth = 0;
  Attributes attributes_over_depth{};
};

struct ScreenTriangle {
  std::array<ScreenVertex, 3> vertices;
  float inverse_area = 0;  // 1 / signed doubled area, either sign (both faces are drawn)
  int y0 = 0, y1 = 0;      // covered rows [y0, y1)
  Vec3 face_normal;        // world space, unit
  int primitive = 0;
};

struct Camera {
  std::array<float, 16> view;
  Vec3 towards_eye;  // unit, world space: the headlight shines along -towards_eye
  float focal_x, focal_y, centre_x, centre_y, near_plane;
  int width, height;
};

Vec3 to_camera(const Camera& camera, Vec3 p) {
  const auto& m = camera.view;
  return {m[0] * p.x + m[1] * p.y + m[2] * p.z + m[3], m[4] * p.x + m[5] * p.y + m[6] * p.z + m[7],
          m[8] * p.x + m[9] * p.y + m[10] * p.z + m[11]};
}

CameraVertex lerp(const CameraVertex& a, const CameraVertex& b, float t) {
  CameraVertex v;
  v.position = a.position + (b.position - a.position) * t;
  for (int i = 0; i < kAttributes; ++i) {
    v.attributes[i] = a.attributes[i] + (b.attributes[i] - a.attributes[i]) * t;
  }
  return v;
}

// Sutherland-Hodgman against the near plane (depth -z >= near): a triangle becomes at
// most a quad, so nothing behind the camera reaches the perspective divide.
int clip_near(const std::array<CameraVertex, 3>& in, float near_plane,
              std::array<CameraVertex, 4>& out) {
  int count = 0;
  for (int i = 0; i < 3; ++i) {
    const CameraVertex& a = in[i];
    const CameraVertex& b = in[(i + 1) % 3];
    const float da = -a.position.z - near_plane, db = -b.position.z - near_plane;
    if (da >= 0) out[count++] = a;
    if ((da >= 0) != (db >= 0)) out[count++] = lerp(a, b, da / (da - db));
  }
  return count;
}

ScreenVertex to_screen(const Camera& camera, const CameraVertex& v) {
  ScreenVertex s;
  const float inverse_depth = 1.0f / -v.position.z;
  s.x = camera.centre_x + camera.focal_x * v.position.x * inverse_depth;
  s.y = camera.centre_y - camera.focal_y * v.position.y * inverse_depth;
  s.inverse_depth = inverse_depth;
  for (int i = 0; i < kAttributes; ++i)
    s.attributes_over_depth[i] = v.attributes[i] * inverse_depth;
  return s;
}

Attributes vertex_attributes(const Primitive& primitive, std::uint32_t index) {
  Attributes a{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0};
  if (!primitive.uv0.empty()) {
    a[kU0] = primitive.uv0[index].x;
    a[kV0] = primitive.uv0[index].y;
  }
  if (!primitive.uv1.empty()) {
    a[kU1] = primitive.uv1[index].x;
    a[kV1] = primitive.uv1[index].y;
  }
  if (!primitive.colors.empty()) {
    const Vec4 c = primitive.colors[index];
    a[kRed] = c.x;
    a[kGreen] = c.y;
    a[kBlue] = c.z;
    a[kAlpha] = c.w;
  }
  if (!primitive.normals.empty()) {
    const Vec3 n = primitive.normals[index];
    a[kNormalX] = n.x;
    a[kNormalY] = n.y;
    a[kNormalZ] = n.z;
  }
  return a;
}

bool finite(const ScreenVertex& v) {
  return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.inverse_depth);
}

// Appends the screen triangles of one mesh triangle (none when it is behind the
// camera, off screen or degenerate).
void setup_triangle(const Camera& camera, const Framing& framing, const Primitive& primitive,
                    int primitive_index, std::size_t first_index,
                    std::vector<ScreenTriangle>& out) {
  std::array<CameraVertex, 3> corners;
  std::array<Vec3, 3> world;
  for (int k = 0; k < 3; ++k) {
    const std::uint32_t index = primitive.indices[first_index + k];
    if (index >= primitive.positions.size()) return;
    world[k] = (primitive.positions[index] - framing.center) * framing.scale;
    corners[k].position = to_camera(camera, world[k]);
    corners[k].attributes = vertex_attributes(primitive, index);
  }
  const Vec3 face_normal = normalize(cross(world[1] - world[0], world[2] - world[0]));
  std::array<CameraVertex, 4> clipped;
  const int count = clip_near(corners, camera.near_plane, clipped);
  if (count < 3) return;
  std::array<ScreenVertex, 4> screen;
  for (int k = 0; k < count; ++k) {
    screen[k] = to_screen(camera, clipped[k]);
    if (!finite(screen[k])) return;
  }
  for (int k = 1; k + 1 < count; ++k) {
    ScreenTriangle t;
    t.vertices = {screen[0], screen[k], screen[k + 1]};
    const ScreenVertex &a = t.vertices[0], &b = t.vertices[1], &c = t.vertices[2];
    const float area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    if (!(std::fabs(area) > 0) || !std::isfinite(area)) continue;
    t.inverse_area = 1.0f / area;
    const float min_x = std::min({a.x, b.x, c.x}), max_x = std::max({a.x, b.x, c.x});
    const float min_y = std::min({a.y, b.y, c.y}), max_y = std::max({a.y, b.y, c.y});
    if (max_x < 0 || min_x > static_cast<float>(camera.width)) continue;
    t.y0 = static_cast<int>(std::clamp(std::ceil(min_y - 0.5f), 0.0f, float(camera.height)));
    t.y1 = static_cast<int>(std::clamp(std::floor(max_y - 0.5f) + 1, 0.0f, float(camera.height)));
    if (t.y0 >= t.y1) continue;
    t.face_normal = face_normal;
    t.primitive = primitive_index;
    out.push_back(t);
  }
}

// The colour of one covered pixel, linear RGB, or false when alpha-mask discards it.
struct Shader {
  const Mesh& mesh;
  const Camera& camera;
  Shading shading;

  const Material& material_of(const ScreenTriangle& triangle) const {
    static const Material kDefaultMaterial;
    const Primitive& primitive = mesh.primitives[triangle.primitive];
    const bool has_material =
        primitive.material >= 0 && std::size_t(primitive.material) < mesh.materials.size();
    return has_material ? mesh.materials[primitive.material] : kDefaultMaterial;
  }

  bool masked(const ScreenTriangle& triangle) const {
    return material_of(triangle).alpha_mode == AlphaMode::Mask;
  }

  bool shade(const ScreenTriangle& triangle, const Attributes& a, Vec3& rgb) const {
    const Primitive& primitive = mesh.primitives[triangle.primitive];
    const Material& material = material_of(triangle);

    Vec4 colour = material.base_color_factor;
    const TextureRef& texture = material.base_color_texture;
    if (texture.present() && std::size_t(texture.image) < mesh.images.size()) {
      const int set =
          texture.transform.texcoord >= 0 ? texture.transform.texcoord : texture.texcoord;
      const bool has_set = set == 0 ? !primitive.uv0.empty() : set == 1 && !primitive.uv1.empty();
      if (has_set) {
        const Vec2 uv = set == 0 ? Vec2{a[kU0], a[kV0]} : Vec2{a[kU1], a[kV1]};
        const Vec4 texel = sample_texture(mesh.images[texture.image].pixels, texture.sampler,
                                          apply_texture_transform(texture.transform, uv));
        colour = {colour.x * texel.x, colour.y * texel.y, colour.z * texel.z, colour.w * texel.w};
      }
    }
    colour = {colour.x * a[kRed], colour.y * a[kGreen], colour.z * a[kBlue], colour.w * a[kAlpha]};
    if (material.alpha_mode == AlphaMode::Mask && colour.w < material.alpha_cutoff) return false;

    rgb = {colour.x, colour.y, colour.z};
    if (shading == Shading::Lit) {
      Vec3 normal = triangle.face_normal;
      if (!primitive.normals.empty()) {
        const Vec3 smooth = normalize(Vec3{a[kNormalX], a[kNormalY], a[kNormalZ]});
        if (length(smooth) > 0) normal = smooth;
      }
      rgb = rgb * (kAmbient + kDiffuse * std::fabs(dot(normal, camera.towards_eye)));
    }
    return true;
  }
};

std::uint8_t background_byte(float value) {
  if (!(value > 0.0f)) return 0;  // also NaN
  return static_cast<std::uint8_t>(std::lround(std::min(value, 1.0f) * 255.0f));
}

// Perspective-correct attributes of a point with screen barycentric weights w0, w1.
Attributes interpolate(const ScreenTriangle& t, float w0, float w1) {
  const ScreenVertex &a = t.vertices[0], &b = t.vertices[1], &c = t.vertices[2];
  const float w2 = 1.0f - w0 - w1;
  const float depth = 1.0f / (w0 * a.inverse_depth + w1 * b.inverse_depth + w2 * c.inverse_depth);
  Attributes attributes;
  for (int i = 0; i < kAttributes; ++i) {
    attributes[i] = (w0 * a.attributes_over_depth[i] + w1 * b.attributes_over_depth[i] +
                     w2 * c.attributes_over_depth[i]) *
                    depth;
  }
  return attributes;
}

// Where on a row a triangle can cover pixel centres. Each barycentric weight is an edge
// function, linear in x along a row, so it changes sign at one x a row; only pixels
// within a pixel of the span those roots bound are tested, and the per-pixel test still
// decides, so coverage is unchanged. An edge too flat along the row for its root to be
// trusted to a fraction of a pixel, given the float rounding of that test, is ignored.
class RowSpans {
 public:
  explicit RowSpans(const ScreenTriangle& t) {
    const ScreenVertex &a = t.vertices[0], &b = t.vertices[1], &c = t.vertices[2];
    // The per-pixel test's rounding in edge-function units (pixels squared): coordinate
    // differences carry half an ulp of the largest coordinate and are multiplied by up
    // to the box's sides; products and the 1 - w0 - w1 of the third weight add a few
    // ulps of the box's area and the triangle's. 1e-6 is several float ulps.
    const float magnitude = std::max({std::fabs(a.x), std::fabs(a.y), std::fabs(b.x),
                                      std::fabs(b.y), std::fabs(c.x), std::fabs(c.y), 1.0f});
    const double box_width = std::max({a.x, b.x, c.x}) - std::min({a.x, b.x, c.x}) + 2.0;
    const double box_height = std::max({a.y, b.y, c.y}) - std::min({a.y, b.y, c.y}) + 2.0;
    const double box = box_width * box_height;
    const double error =
        1e-6 * (magnitude * (box_width + box_height) + box + 1.0 / std::fabs(t.inverse_area));
    const double sign = t.inverse_area > 0 ? 1.0 : -1.0;
    // The weights' edges in the rasteriser's order: w0 (b, c), w1 (c, a), w2 (a, b).
    const std::array<std::array<const ScreenVertex*, 2>, 3> edges = {
        {{&b, &c}, {&c, &a}, {&a, &b}}};
    for (int k = 0; k < 3; ++k) {
      const ScreenVertex& p = *edges[k][0];
      const ScreenVertex& q = *edges[k][1];
      // (p.x - px)(q.y - py) - (p.y - py)(q.x - px)
      //   = (p.x q.y - p.y q.x) + py (q.x - p.x) + px (p.y - q.y), times the area's sign.
      const double slope = sign * (double(p.y) - q.y);
      Edge& edge = edges_[k];
      edge.usable = std::fabs(slope) > 4 * error;
      if (!edge.usable) continue;
      edge.rising = slope > 0;
      edge.constant = sign * (double(p.x) * q.y - double(p.y) * q.x) / slope;
      edge.per_row = sign * (double(q.x) - p.x) / slope;
    }
  }

  // Shrinks [x0, x1) to the pixels whose centres may be inside on the row at centre py.
  void narrow(float py, int& x0, int& x1) const {
    double low = x0, high = x1;
    for (const Edge& edge : edges_) {
      if (!edge.usable) continue;
      // The edge function is zero at px = root and grows towards the inside.
      const double root = -(edge.constant + edge.per_row * py);
      if (edge.rising) {
        low = std::max(low, root);
      } else {
        high = std::min(high, root);
      }
    }
    // Pixel x's centre is x + 0.5; a pixel of margin on each side. Clamped first so the
    // conversions stay in range.
    low = std::min(low, double(x1));
    high = std::max(high, double(x0));
    x0 = std::max(x0, static_cast<int>(std::floor(low - 0.5)) - 1);
    x1 = std::min(x1, static_cast<int>(std::ceil(high - 0.5)) + 2);
  }

 private:
  struct Edge {
    double constant = 0, per_row = 0;  // root = -(constant + per_row py)
    bool rising = false;
    bool usable = false;
  };
  std::array<Edge, 3> edges_;
};

// What one band of rows keeps per sample while rasterising, reused from band to band.
struct BandSamples {
  std::vector<float> nearest;  // 1 / depth
  std::vector<std::uint32_t> visible;
  std::vector<float> w0, w1;  // barycentric weights of the first two corners
};

// The triangles one pixel's samples see, each once, with how many samples and the sum
// of their weights.
struct PixelFragments {
  struct Fragment {
    std::uint32_t triangle;
    int samples;
    float w0_sum, w1_sum;
  };
  std::vector<Fragment> list;

  void add(std::uint32_t triangle, float w0, float w1) {
    for (Fragment& fragment : list) {
      if (fragment.triangle != triangle) continue;
      ++fragment.samples;
      fragment.w0_sum += w0;
      fragment.w1_sum += w1;
      return;
    }
    list.push_back({triangle, 1, w0, w1});
  }
};

constexpr std::uint32_t kEmpty = 0xffffffffu;

// What deciding coverage and depth reads of a triangle, copied out of it.
struct CoverageSetup {
  float ax, ay, bx, by, cx, cy;     // screen positions
  float a_depth, b_depth, c_depth;  // 1 / depth at the corners
  float inverse_area;

  explicit CoverageSetup(const ScreenTriangle& t)
      : ax(t.vertices[0].x),
        ay(t.vertices[0].y),
        bx(t.vertices[1].x),
        by(t.vertices[1].y),
        cx(t.vertices[2].x),
        cy(t.vertices[2].y),
        a_depth(t.vertices[0].inverse_depth),
        b_depth(t.vertices[1].inverse_depth),
        c_depth(t.vertices[2].inverse_depth),
        inverse_area(t.inverse_area) {}
};

// Where a triangle covers the sample at (px, py), and how near it is there: barycentric
// weights from edge functions, normalised by the signed area so a sample is inside for
// either winding, and 1 / depth.
struct SampleTest {
  float w0, w1, inverse_depth;
  bool inside;
};

inline SampleTest test_sample(const CoverageSetup& t, float px, float py) {
  const float w0 = ((t.bx - px) * (t.cy - py) - (t.by - py) * (t.cx - px)) * t.inverse_area;
  const float w1 = ((t.cx - px) * (t.ay - py) - (t.cy - py) * (t.ax - px)) * t.inverse_area;
  const float w2 = 1.0f - w0 - w1;
  const float inverse_depth = w0 * t.a_depth + w1 * t.b_depth + w2 * t.c_depth;
  const bool inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0);
  return {w0, w1, inverse_depth, inside};
}

// Samples an opaque triangle's row is tested in at once: a fixed count the compiler
// turns into one AVX2 vector (two SSE ones), as most rows of a triangle are shorter than
// a loop of variable length needs to vectorise. The band's arrays have kLanes - 1
// samples of padding, which the masked-off lanes past a row's end may read and write
// back unchanged.
constexpr int kLanes = 8;

// Rasterises an opaque triangle's rows [y0, y1) of the band starting at row y_begin,
// columns [x0, x1), narrowed row by row where the box is wider than two groups of
// lanes. The depth test and its stores are written without branches, on a copy of the
// triangle's setup, so each group of lanes runs in vectors (AVX2 where the CPU has it).
ATLAS_WIDE_VECTORS void rasterize_opaque(const CoverageSetup t, const RowSpans& spans,
                                         std::uint32_t id, int x0, int x1, int y0, int y1,
                                         int y_begin, int width, BandSamples& band) {
  const bool narrow = x1 - x0 > 2 * kLanes;
  for (int y = y0; y < y1; ++y) {
    const float py = static_cast<float>(y) + 0.5f;
    int row_x0 = x0, row_x1 = x1;
    if (narrow) spans.narrow(py, row_x0, row_x1);
    const std::size_t row = std::size_t(y - y_begin) * width;
    float* nearest = band.nearest.data() + row;
    std::uint32_t* visible = band.visible.data() + row;
    float* w0s = band.w0.data() + row;
    float* w1s = band.w1.data() + row;
    for (int first = row_x0; first < row_x1; first += kLanes) {
      for (int lane = 0; lane < kLanes; ++lane) {
        const int x = first + lane;
        const SampleTest sample = test_sample(t, static_cast<float>(x) + 0.5f, py);
        const bool nearer = (x < row_x1) & sample.inside & (sample.inverse_depth > nearest[x]);
        nearest[x] = nearer ? sample.inverse_depth : nearest[x];
        visible[x] = nearer ? id : visible[x];
        w0s[x] = nearer ? sample.w0 : w0s[x];
        w1s[x] = nearer ? sample.w1 : w1s[x];
      }
    }
  }
}

// The same for an alpha-masked triangle, whose colour decides whether it covers.
void rasterize_masked_span(const ScreenTriangle& t, std::uint32_t id, const Shader& shader, int x0,
                           int x1, float py, std::size_t row, BandSamples& band) {
  const CoverageSetup coverage(t);
  for (int x = x0; x < x1; ++x) {
    const SampleTest sample = test_sample(coverage, static_cast<float>(x) + 0.5f, py);
    const std::size_t p = row + x;
    if (!sample.inside || !(sample.inverse_depth > band.nearest[p])) continue;
    Vec3 unused;
    if (!shader.shade(t, interpolate(t, sample.w0, sample.w1), unused)) continue;
    band.nearest[p] = sample.inverse_depth;
    band.visible[p] = id;
    band.w0[p] = sample.w0;
    band.w1[p] = sample.w1;
  }
}

// Visibility first, shading after: each sample keeps the nearest triangle and its
// weights, and only those are shaded, so hidden surfaces (back faces are drawn too)
// cost no texture reads. Alpha-masked triangles are shaded while rasterising, since
// whether they cover a sample depends on their colour.
//
// Rows [y_begin, y_end) of the sample grid, samples_per_side² samples a pixel.
void rasterize_samples(int y_begin, int y_end, int width,
                       const std::vector<std::uint32_t>& triangle_ids,
                       const std::vector<ScreenTriangle>& triangles, const Shader& shader,
                       BandSamples& band) {
  const std::size_t samples = std::size_t(width) * (y_end - y_begin) + kLanes - 1;
  band.nearest.assign(samples, 0.0f);
  band.visible.assign(samples, kEmpty);
  band.w0.resize(samples);
  band.w1.resize(samples);

  for (const std::uint32_t id : triangle_ids) {
    const ScreenTriangle& t = triangles[id];
    const bool masked = shader.masked(t);
    const ScreenVertex &a = t.vertices[0], &b = t.vertices[1], &c = t.vertices[2];
    const float min_x = std::min({a.x, b.x, c.x}), max_x = std::max({a.x, b.x, c.x});
    const int x0 = static_cast<int>(std::clamp(std::ceil(min_x - 0.5f), 0.0f, float(width)));
    const int x1 = static_cast<int>(std::clamp(std::floor(max_x - 0.5f) + 1, 0.0f, float(width)));
    const int y0 = std::max(t.y0, y_begin), y1 = std::min(t.y1, y_end);
    const RowSpans spans(t);
    if (!masked) {
      rasterize_opaque(CoverageSetup(t), spans, id, x0, x1, y0, y1, y_begin, width, band);
      continue;
    }
    for (int y = y0; y < y1; ++y) {
      const float py = static_cast<float>(y) + 0.5f;
      int row_x0 = x0, row_x1 = x1;
      spans.narrow(py, row_x0, row_x1);
      rasterize_masked_span(t, id, shader, row_x0, row_x1, py, std::size_t(y - y_begin) * width,
                            band);
    }
  }
}

// Output rows [row_begin, row_end) from their samples, rasterised into `band`. Like
// multisampling, a triangle is shaded once a pixel, at the centroid of the samples it
// covers there, which lies inside it: the texture reads and interpolation that are
// most of the cost happen once for an inside pixel rather than once a sample. The
// shaded 8-bit colour counts once for each sample it covers and the background for each
// sample nothing covers, so coverage is exactly the samples' and a pixel whose colour
// is flat gets what box-filtering every sample would give. An alpha-masked triangle
// that its centroid discards is shaded sample by sample.
void resolve_pixels(int row_begin, int row_end, int samples_per_side,
                    const std::vector<ScreenTriangle>& triangles, const Shader& shader,
                    const BandSamples& band, const std::uint8_t background[3],
                    PixelFragments& fragments, Image& image) {
  const int s = samples_per_side;
  const int samples = s * s;
  const std::size_t sample_row = std::size_t(image.width) * s;
  // Most pixels of a view show only the background.
  const std::uint8_t background_pixel[4] = {background[0], background[1], background[2], 0};
  for (int y = row_begin; y < row_end; ++y) {
    for (int x = 0; x < image.width; ++x) {
      std::uint8_t* out = image.at(x, y);
      bool empty = true;
      for (int sy = 0; sy < s && empty; ++sy) {
        const std::size_t first = std::size_t((y - row_begin) * s + sy) * sample_row + x * s;
        for (int sx = 0; sx < s; ++sx) empty &= band.visible[first + sx] == kEmpty;
      }
      if (empty) {
        std::copy(background_pixel, background_pixel + 4, out);
        continue;
      }
      fragments.list.clear();
      int sum[4] = {0, 0, 0, 0};
      for (int sy = 0; sy < s; ++sy) {
        const std::size_t first = std::size_t((y - row_begin) * s + sy) * sample_row + x * s;
        for (int sx = 0; sx < s; ++sx) {
          const std::size_t p = first + sx;
          if (band.visible[p] != kEmpty) {
            fragments.add(band.visible[p], band.w0[p], band.w1[p]);
          } else {
            for (int c = 0; c < 3; ++c) sum[c] += background[c];
          }
        }
      }
      for (const PixelFragments::Fragment& fragment : fragments.list) {
        const ScreenTriangle& t = triangles[fragment.triangle];
        const float share = 1.0f / static_cast<float>(fragment.samples);
        Vec3 rgb;
        if (shader.shade(t, interpolate(t, fragment.w0_sum * share, fragment.w1_sum * share),
                         rgb)) {
          sum[0] += fragment.samples * linear_to_srgb(rgb.x);
          sum[1] += fragment.samples * linear_to_srgb(rgb.y);
          sum[2] += fragment.samples * linear_to_srgb(rgb.z);
          sum[3] += fragment.samples * 255;
          continue;
        }
        for (int sy = 0; sy < s; ++sy) {
          const std::size_t first = std::size_t((y - row_begin) * s + sy) * sample_row + x * s;
          for (int sx = 0; sx < s; ++sx) {
            const std::size_t p = first + sx;
            if (band.visible[p] != fragment.triangle) continue;
            shader.shade(t, interpolate(t, band.w0[p], band.w1[p]), rgb);
            sum[0] += linear_to_srgb(rgb.x);
            sum[1] += linear_to_srgb(rgb.y);
            sum[2] += linear_to_srgb(rgb.z);
            sum[3] += 255;
          }
        }
      }
      for (int c = 0; c < 4; ++c)
        out[c] = static_cast<std::uint8_t>((sum[c] + samples / 2) / samples);
    }
  }
}

bool primitive_usable(const Primitive& p) {
  const std::size_t n = p.positions.size();
  const auto fits = [n](const auto& attribute) {
    return attribute.empty() || attribute.size() == n;
  };
  return fits(p.normals) && fits(p.uv0) && fits(p.uv1) && fits(p.colors);
}

}  // namespace

Image render_mesh(const Mesh& mesh, const OrbitCamera& orbit, const Framing& framing,
                  const MeshRenderOptions& options) {
  if (!renderable_size(orbit)) return Image{};
  // Triangles are set up and rasterised on the grid of samples, a finer image.
  const int samples =
      std::clamp(options.samples_per_side, 1, kMaxRenderSide / std::max(orbit.width, orbit.height));
  OrbitCamera fine = orbit;
  fine.width *= samples;
  fine.height *= samples;
  Image image(orbit.width, orbit.height, 4);
  const CameraMatrices matrices = camera_matrices(fine);
  const Camera camera{matrices.view,
                      Vec3{matrices.view[8], matrices.view[9], matrices.view[10]},
                      matrices.focal_x,
                      matrices.focal_y,
                      0.5f * static_cast<float>(fine.width),
                      0.5f * static_cast<float>(fine.height),
                      matrices.near_plane,
                      fine.width,
                      fine.height};

  // Set up triangles in parallel chunks, then bin them by image band.
  struct Chunk {
    int primitive;
    std::size_t begin, end;  // index range, multiples of 3
  };
  constexpr std::size_t kChunkIndices = 3 * 8192;
  std::vector<Chunk> chunks;
  for (int p = 0; p < static_cast<int>(mesh.primitives.size()); ++p) {
    const Primitive& primitive = mesh.primitives[p];
    if (!primitive_usable(primitive)) continue;
    const std::size_t usable = primitive.indices.size() / 3 * 3;
    for (std::size_t begin = 0; begin < usable; begin += kChunkIndices) {
      chunks.push_back({p, begin, std::min(usable, begin + kChunkIndices)});
    }
  }
  std::vector<std::vector<ScreenTriangle>> per_chunk(chunks.size());
  parallel_for_index(static_cast<int>(chunks.size()), options.threads, [&](int c) {
    const Chunk& chunk = chunks[c];
    for (std::size_t i = chunk.begin; i < chunk.end; i += 3) {
      setup_triangle(camera, framing, mesh.primitives[chunk.primitive], chunk.primitive, i,
                     per_chunk[c]);
    }
  });
  std::vector<ScreenTriangle> triangles;
  for (const auto& list : per_chunk) triangles.insert(triangles.end(), list.begin(), list.end());

  // Bands of kBandRows output rows.
  const int band_samples = kBandRows * samples;
  const int bands = (orbit.height + kBandRows - 1) / kBandRows;
  std::vector<std::vector<std::uint32_t>> band_triangles(bands);
  for (std::uint32_t id = 0; id < triangles.size(); ++id) {
    const int first = triangles[id].y0 / band_samples, last = (triangles[id].y1 - 1) / band_samples;
    for (int band = first; band <= last; ++band) band_triangles[band].push_back(id);
  }

  const Shader shader{mesh, camera, options.shading};
  // Converted once: most pixels of a view are background.
  const std::uint8_t background[3] = {background_byte(options.background.x),
                                      background_byte(options.background.y),
                                      background_byte(options.background.z)};
  struct Scratch {
    BandSamples band;
    PixelFragments fragments;
  };
  tbb::enumerable_thread_specific<Scratch> scratches;  // one band a thread, reused
  parallel_for_index(bands, options.threads, [&](int band) {
    Scratch& scratch = scratches.local();
    const int row_begin = band * kBandRows, row_end = std::min(row_begin + kBandRows, orbit.height);
    rasterize_samples(row_begin * samples, row_end * samples, fine.width, band_triangles[band],
                      triangles, shader, scratch.band);
    resolve_pixels(row_begin, row_end, samples, triangles, shader, scratch.band, background,
                   scratch.fragments, image);
  });
  return image;
}

}  // namespace atlas::render
