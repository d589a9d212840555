#pragma once
// Lays several same-sized images out on a grid, for previews of many views.

#include <vector>

#include "asset/image.h"
#include "asset/math.h"

namespace atlas::render {

// `columns` images a row (0: as square as possible, ceil(sqrt(count)) columns), row by
// row in input order, separated by `gap` pixels of the background colour (0..1 per
// channel; grey images take its Rec. 601 luma) with no outer border. Gaps and unused
// cells are opaque background. Images are copied unchanged. Returns an empty image when
// there are no images, they do not share one size and channel count, or gap < 0.
Image contact_sheet(const std::vector<Image>& images, int columns = 0, int gap = 4,
                    Vec3 background = {1, 1, 1});

}  // namespace atlas::render
