#include "bake/dilation.h"

#include <cstddef>

namespace atlas::bake {

void dilate(Image& image, const std::vector<std::uint8_t>& coverage, int texels) {
  const int width = image.width, height = image.height, channels = image.channels;
  if (image.empty() || channels < 1 || channels > 4) return;
  const std::size_t count = std::size_t(width) * height;
  if (coverage.size() != count || image.pixels.size() != count * channels || texels <= 0) return;

  // 0 empty, 1 filled, 2 queued for the coming ring.
  std::vector<std::uint8_t> state(count);
  for (std::size_t i = 0; i < count; ++i) state[i] = coverage[i] ? 1 : 0;
  std::vector<std::size_t> ring;
  auto queue_empty_neighbours = [&](int x, int y) {
    for (int dy = -1; dy <= 1; ++dy) {
      const int ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      for (int dx = -1; dx <= 1; ++dx) {
        const int nx = x + dx;
        if (nx < 0 || nx >= width) continue;
        const std::size_t n = std::size_t(ny) * width + nx;
        if (state[n] != 0) continue;
        state[n] = 2;
        ring.push_back(n);
      }
    }
  };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (state[std::size_t(y) * width + x] == 1) queue_empty_neighbours(x, y);
    }
  }

  std::vector<std::uint8_t> values;
  for (int step = 0; step < texels && !ring.empty(); ++step) {
    // Means first, from texels filled before this ring, then the ring becomes filled.
    values.assign(ring.size() * channels, 0);
    for (std::size_t r = 0; r < ring.size(); ++r) {
      const int x = int(ring[r] % width), y = int(ring[r] / width);
      int sum[4] = {0, 0, 0, 0};
      int neighbours = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        const int ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx;
          if (nx < 0 || nx >= width || state[std::size_t(ny) * width + nx] != 1) continue;
          const std::uint8_t* pixel = image.at(nx, ny);
          for (int c = 0; c < channels; ++c) sum[c] += pixel[c];
          ++neighbours;
        }
      }
      for (int c = 0; c < channels; ++c)
        values[r * channels + c] = std::uint8_t((sum[c] + neighbours / 2) / neighbours);
    }
    for (std::size_t r = 0; r < ring.size(); ++r) {
      std::uint8_t* pixel = image.pixels.data() + ring[r] * channels;
      for (int c = 0; c < channels; ++c) pixel[c] = values[r * channels + c];
      state[ring[r]] = 1;
    }
    std::vector<std::size_t> filled = std::move(ring);
    ring.clear();
    if (step + 1 == texels) break;
    for (std::size_t index : filled) queue_empty_neighbours(int(index % width), int(index / width));
  }
}

}  // namespace atlas::bake
