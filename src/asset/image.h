#pragma once
// An 8-bit image in memory: rows top to bottom, channels interleaved.

#include <cstdint>
#include <vector>

namespace atlas {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 4;  // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
  std::vector<std::uint8_t> pixels;

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), pixels(std::size_t(w) * h * c) {}

  bool empty() const { return width <= 0 || height <= 0; }
  std::uint8_t* at(int x, int y) { return pixels.data() + (std::size_t(y) * width + x) * channels; }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() + (std::size_t(y) * width + x) * channels;
  }
};

}  // namespace atlas
