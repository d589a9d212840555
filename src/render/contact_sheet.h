#pragma once
// Lays several same-sized images out on a grid, for previews of many views.

#include <vector>

#include "asset/image.h"
#include "asset/math.h"

namespace atlas::render {

// `columns` images a row (0: as square as possible), separated by `gap` pixels of the
// background colour. Images must share one size and channel count.
Image contact_sheet(const std::vector<Image>& images, int columns = 0, int gap = 4,
                    Vec3 background = {1, 1, 1});

}  // namespace atlas::render
