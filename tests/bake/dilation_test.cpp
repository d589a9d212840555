#include "bake/dilation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace atlas::bake {
namespace {

// A width x height RGBA image, black and empty, with a covered block [x0, x1) x [y0, y1)
// holding a horizontal red ramp.
struct Fixture {
  Image image;
  std::vector<std::uint8_t> coverage;
  Fixture(int width, int height, int x0, int y0, int x1, int y1)
      : image(width, height, 4), coverage(std::size_t(width) * height, 0) {
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        std::uint8_t* p = image.at(x, y);
        p[0] = std::uint8_t(40 + 10 * (x - x0));
        p[1] = 200, p[2] = 7, p[3] = 255;
        coverage[std::size_t(y) * width + x] = 1;
      }
    }
  }
};

int chebyshev_to_block(int x, int y, int x0, int y0, int x1, int y1) {
  const int dx = x < x0 ? x0 - x : (x >= x1 ? x - x1 + 1 : 0);
  const int dy = y < y0 ? y0 - y : (y >= y1 ? y - y1 + 1 : 0);
  return std::max(dx, dy);
}

TEST(Dilation, FillsTheGivenRingsAndLeavesTheRest) {
  Fixture f(32, 24, 10, 8, 18, 14);
  const Image before = f.image;
  dilate(f.image, f.coverage, 3);
  for (int y = 0; y < 24; ++y) {
    for (int x = 0; x < 32; ++x) {
      const int ring = chebyshev_to_block(x, y, 10, 8, 18, 14);
      const std::uint8_t* p = f.image.at(x, y);
      if (ring == 0) {
        ASSERT_EQ(0, std::memcmp(p, before.at(x, y), 4)) << x << "," << y;
      } else if (ring <= 3) {
        EXPECT_EQ(p[3], 255) << x << "," << y;
        EXPECT_EQ(p[1], 200) << x << "," << y;  // a constant channel stays constant
        EXPECT_EQ(p[2], 7) << x << "," << y;
        // Left and right of the block the edge column repeats; inside its span the
        // ramp continues as the mean of the texels above or below.
        const int edge_x = std::clamp(x, 10, 17);
        EXPECT_NEAR(p[0], 40 + 10 * (edge_x - 10), 10) << x << "," << y;
      } else {
        ASSERT_EQ(0, std::memcmp(p, before.at(x, y), 4)) << x << "," << y;
      }
    }
  }
  // The first ring's texels are exact means of their covered neighbours.
  EXPECT_EQ(f.image.at(12, 7)[0], (50 + 60 + 70 + 1) / 3);
  EXPECT_EQ(f.image.at(9, 7)[0], 40);
}

TEST(Dilation, ChannelsOtherThanFour) {
  Image grey(8, 8, 1);
  std::vector<std::uint8_t> coverage(64, 0);
  grey.pixels[3 * 8 + 3] = 90;
  coverage[3 * 8 + 3] = 1;
  dilate(grey, coverage, 8);
  for (std::uint8_t value : grey.pixels) EXPECT_EQ(value, 90);
}

TEST(Dilation, BadArgumentsChangeNothing) {
  Fixture f(16, 16, 4, 4, 8, 8);
  const Image before = f.image;
  dilate(f.image, f.coverage, 0);
  dilate(f.image, f.coverage, -2);
  std::vector<std::uint8_t> short_coverage(10, 1);
  dilate(f.image, short_coverage, 4);
  EXPECT_EQ(f.image.pixels, before.pixels);
  Image empty;
  dilate(empty, {}, 4);
  Image nothing_covered(4, 4, 4);
  dilate(nothing_covered, std::vector<std::uint8_t>(16, 0), 4);
  EXPECT_EQ(nothing_covered.pixels, std::vector<std::uint8_t>(64, 0));
}

}  // namespace
}  // namespace atlas::bake
