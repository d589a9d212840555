#include "render/contact_sheet.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace atlas::render {

namespace {

std::uint8_t to_byte(float value) {
  if (!(value > 0.0f)) return 0;  // also NaN
  return static_cast<std::uint8_t>(std::lround(std::min(value, 1.0f) * 255.0f));
}

bool well_formed(const Image& image) {
  return !image.empty() && image.channels >= 1 && image.channels <= 4 &&
         image.pixels.size() == std::size_t(image.width) * image.height * image.channels;
}

}  // namespace

Image contact_sheet(const std::vector<Image>& images, int columns, int gap, Vec3 background) {
  if (images.empty() || gap < 0) return Image{};
  const Image& first = images.front();
  for (const Image& image : images) {
    if (!well_formed(image) || image.width != first.width || image.height != first.height ||
        image.channels != first.channels) {
      return Image{};
    }
  }
  const int count = static_cast<int>(images.size());
  if (columns <= 0) columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  columns = std::min(columns, count);
  const int rows = (count + columns - 1) / columns;
  const int channels = first.channels;
  Image sheet(columns * first.width + (columns - 1) * gap, rows * first.height + (rows - 1) * gap,
              channels);

  const std::uint8_t grey =
      to_byte(0.299f * background.x + 0.587f * background.y + 0.114f * background.z);
  std::uint8_t fill[4];
  switch (channels) {
    case 1:
      fill[0] = grey;
      break;
    case 2:
      fill[0] = grey;
      fill[1] = 255;
      break;
    default:
      fill[0] = to_byte(background.x);
      fill[1] = to_byte(background.y);
      fill[2] = to_byte(background.z);
      fill[3] = 255;
  }
  for (std::size_t p = 0; p < sheet.pixels.size(); p += channels) {
    std::memcpy(sheet.pixels.data() + p, fill, channels);
  }

  const std::size_t row_bytes = std::size_t(first.width) * channels;
  for (int i = 0; i < count; ++i) {
    const int left = (i % columns) * (first.width + gap);
    const int top = (i / columns) * (first.height + gap);
    for (int y = 0; y < first.height; ++y) {
      std::memcpy(sheet.at(left, top + y), images[i].at(0, y), row_bytes);
    }
  }
  return sheet;
}

}  // namespace atlas::render
