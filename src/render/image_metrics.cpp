#include "render/image_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "core/wide_vectors.h"

namespace atlas::render {

namespace {

constexpr int kWindowRadius = 5;  // 11 taps
constexpr double kWindowSigma = 1.5;
constexpr double kC1 = (0.01 * 255) * (0.01 * 255);
constexpr double kC2 = (0.03 * 255) * (0.03 * 255);

bool comparable(const Image& a, const Image& b) {
  const std::size_t size = std::size_t(a.width) * a.height * 4;
  return !a.empty() && a.width == b.width && a.height == b.height && a.channels == 4 &&
         b.channels == 4 && a.pixels.size() >= size && b.pixels.size() >= size;
}

bool inside(const Image& image, std::size_t pixel) {
  return image.pixels[pixel * 4 + 3] >= kSilhouetteAlpha;
}

std::vector<char> union_mask(const Image& a, const Image& b) {
  std::vector<char> mask(std::size_t(a.width) * a.height);
  for (std::size_t p = 0; p < mask.size(); ++p) mask[p] = inside(a, p) || inside(b, p);
  return mask;
}

double luma(const Image& image, std::size_t pixel) {
  const std::uint8_t* rgb = image.pixels.data() + pixel * 4;
  return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
}

// The pixels [x0, x1) x [y0, y1) of an image.
struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x0 >= x1 || y0 >= y1; }
};

// The box around a mask's set pixels.
Box bounds(const std::vector<char>& mask, int width, int height) {
  Box box{width, height, 0, 0};
  for (int y = 0; y < height; ++y) {
    const char* row = mask.data() + std::size_t(y) * width;
    for (int x = 0; x < width; ++x) {
      if (!row[x]) continue;
      box = {std::min(box.x0, x), std::min(box.y0, y), std::max(box.x1, x + 1), y + 1};
    }
  }
  return box;
}

// `box` grown by `margin` pixels on each side, within the image.
Box grown(const Box& box, int margin, int width, int height) {
  return {std::max(0, box.x0 - margin), std::max(0, box.y0 - margin),
          std::min(width, box.x1 + margin), std::min(height, box.y1 + margin)};
}

// Gaussian-weighted local mean of `values`, separable; at the borders the weights are
// renormalised over the taps inside the image. Each output is the taps summed in window
// order and divided by the weights summed in the same order, so the result does not
// depend on how the loops below are arranged; they run the taps over whole rows (and
// only the few border columns one pixel at a time) so the compiler can vectorise them,
// with AVX2 where the CPU has it.
ATLAS_WIDE_VECTORS std::vector<double> blur(const std::vector<double>& values, int width,
                                            int height) {
  constexpr int kTaps = 2 * kWindowRadius + 1;
  static const std::array<double, kTaps> weights = [] {
    std::array<double, kTaps> w{};
    for (int i = -kWindowRadius; i <= kWindowRadius; ++i) {
      w[i + kWindowRadius] = std::exp(-0.5 * i * i / (kWindowSigma * kWindowSigma));
    }
    return w;
  }();
  // Sum of the taps first..last (inclusive), added in window order.
  const auto weight_sum = [](int first, int last) {
    double sum = 0;
    for (int i = first; i <= last; ++i) sum += weights[i + kWindowRadius];
    return sum;
  };
  std::vector<double> rows(values.size()), out(values.size());
  const int interior_begin = std::min(kWindowRadius, width);
  const int interior_end = std::max(interior_begin, width - kWindowRadius);
  const double interior_weight = weight_sum(-kWindowRadius, kWindowRadius);
  for (int y = 0; y < height; ++y) {
    const double* in = values.data() + std::size_t(y) * width;
    double* row = rows.data() + std::size_t(y) * width;
    const auto border = [&](int x) {
      const int first = std::max(-kWindowRadius, -x);
      const int last = std::min(kWindowRadius, width - 1 - x);
      double sum = 0;
      for (int i = first; i <= last; ++i) sum += weights[i + kWindowRadius] * in[x + i];
      row[x] = sum / weight_sum(first, last);
    };
    for (int x = 0; x < interior_begin; ++x) border(x);
    for (int x = interior_begin; x < interior_end; ++x) row[x] = 0;
    for (int i = -kWindowRadius; i <= kWindowRadius; ++i) {
      const double w = weights[i + kWindowRadius];
      for (int x = interior_begin; x < interior_end; ++x) row[x] += w * in[x + i];
    }
    for (int x = interior_begin; x < interior_end; ++x) row[x] /= interior_weight;
    for (int x = interior_end; x < width; ++x) border(x);
  }
  for (int y = 0; y < height; ++y) {
    const int first = std::max(-kWindowRadius, -y);
    const int last = std::min(kWindowRadius, height - 1 - y);
    double* out_row = out.data() + std::size_t(y) * width;
    for (int x = 0; x < width; ++x) out_row[x] = 0;
    for (int i = first; i <= last; ++i) {
      const double w = weights[i + kWindowRadius];
      const double* in = rows.data() + std::size_t(y + i) * width;
      for (int x = 0; x < width; ++x) out_row[x] += w * in[x];
    }
    const double weight = weight_sum(first, last);
    for (int x = 0; x < width; ++x) out_row[x] /= weight;
  }
  return out;
}

}  // namespace

double silhouette_iou(const Image& a, const Image& b) {
  if (!comparable(a, b)) return 0;
  std::size_t intersection = 0, united = 0;
  const std::size_t pixels = std::size_t(a.width) * a.height;
  for (std::size_t p = 0; p < pixels; ++p) {
    const bool in_a = inside(a, p), in_b = inside(b, p);
    intersection += in_a && in_b;
    united += in_a || in_b;
  }
  return united == 0 ? 1.0 : static_cast<double>(intersection) / static_cast<double>(united);
}

double masked_psnr(const Image& a, const Image& b) {
  if (!comparable(a, b)) return 0;
  const std::vector<char> mask = union_mask(a, b);
  double squared_error = 0;
  std::size_t values = 0;
  for (std::size_t p = 0; p < mask.size(); ++p) {
    if (!mask[p]) continue;
    for (int c = 0; c < 3; ++c) {
      const double d = double(a.pixels[p * 4 + c]) - double(b.pixels[p * 4 + c]);
      squared_error += d * d;
    }
    values += 3;
  }
  if (values == 0 || squared_error == 0) return std::numeric_limits<double>::infinity();
  const double mse = squared_error / static_cast<double>(values);
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double masked_ssim(const Image& a, const Image& b) {
  if (!comparable(a, b)) return 0;
  const std::vector<char> mask = union_mask(a, b);
  const Box box = bounds(mask, a.width, a.height);
  if (box.empty()) return 1.0;
  // SSIM is averaged over the mask, usually a fraction of a view, and the window reaches
  // kWindowRadius pixels, so the blurs run on the mask's box grown by that much. Within
  // the box, the taps inside the grown box are exactly those inside the image, so the
  // means there are the whole image's.
  const Box region = grown(box, kWindowRadius, a.width, a.height);
  const int w = region.x1 - region.x0, h = region.y1 - region.y0;
  const std::size_t pixels = std::size_t(w) * h;
  std::vector<double> ya(pixels), yb(pixels), aa(pixels), bb(pixels), ab(pixels);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const std::size_t p = std::size_t(y) * w + x;
      const std::size_t pixel = std::size_t(region.y0 + y) * a.width + region.x0 + x;
      ya[p] = luma(a, pixel);
      yb[p] = luma(b, pixel);
      aa[p] = ya[p] * ya[p];
      bb[p] = yb[p] * yb[p];
      ab[p] = ya[p] * yb[p];
    }
  }
  const std::vector<double> mean_a = blur(ya, w, h), mean_b = blur(yb, w, h);
  const std::vector<double> mean_aa = blur(aa, w, h), mean_bb = blur(bb, w, h);
  const std::vector<double> mean_ab = blur(ab, w, h);
  double total = 0;
  std::size_t count = 0;
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      if (!mask[std::size_t(y) * a.width + x]) continue;
      const std::size_t p = std::size_t(y - region.y0) * w + (x - region.x0);
      const double ma = mean_a[p], mb = mean_b[p];
      const double var_a = mean_aa[p] - ma * ma, var_b = mean_bb[p] - mb * mb;
      const double covariance = mean_ab[p] - ma * mb;
      total += ((2 * ma * mb + kC1) * (2 * covariance + kC2)) /
               ((ma * ma + mb * mb + kC1) * (var_a + var_b + kC2));
      ++count;
    }
  }
  return total / static_cast<double>(count);
}

}  // namespace atlas::render
