#include "pipeline/preview.h"

#include "formats/image_io.h"
#include "render/contact_sheet.h"

namespace atlas::pipeline {
namespace {

// 2x2 box filter; the renders are already composited over the background, so the
// result is opaque RGB.
Image half_size(const Image& image) {
  Image out(image.width / 2, image.height / 2, 3);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int sum = image.at(2 * x, 2 * y)[c] + image.at(2 * x + 1, 2 * y)[c] +
                        image.at(2 * x, 2 * y + 1)[c] + image.at(2 * x + 1, 2 * y + 1)[c];
        out.at(x, y)[c] = static_cast<std::uint8_t>((sum + 2) / 4);
      }
    }
  }
  return out;
}

void add_row(const std::vector<Image>& views, std::vector<Image>& cells) {
  for (std::size_t index : kPreviewViews) {
    if (index < views.size() && views[index].channels == 4)
      cells.push_back(half_size(views[index]));
  }
}

}  // namespace

Result<Bytes> encode_preview(const std::vector<Image>& source_views,
                             const std::vector<std::vector<Image>>& level_views) {
  std::vector<Image> cells;
  add_row(source_views, cells);
  for (const std::vector<Image>& views : level_views) add_row(views, cells);
  const Image sheet = render::contact_sheet(cells, std::size(kPreviewViews));
  if (sheet.empty()) return make_error("no renders to preview");
  return encode_png(sheet);
}

Status write_preview(const std::filesystem::path& path, const std::vector<Image>& source_views,
                     const std::vector<std::vector<Image>>& level_views) {
  Result<Bytes> png = encode_preview(source_views, level_views);
  if (!png) return with_context(path.string(), png.error());
  return write_file_atomic(path, *png);
}

}  // namespace atlas::pipeline
