#pragma once
// Gutter filling for baked textures, so bilinear filtering and mipmaps at chart edges
// never pull in the background.

#include <cstdint>
#include <vector>

#include "asset/image.h"

namespace atlas::bake {

// Grows the texels with coverage[i] != 0 outwards by up to `texels` rings: each empty
// texel next to a filled one takes the rounded mean of its filled 8-neighbours (every
// channel), ring by ring, so a gutter texel k rings out repeats the chart edge.
// Covered texels are never changed; texels still empty afterwards keep their value.
// Nothing happens when coverage does not have width * height entries or texels <= 0.
void dilate(Image& image, const std::vector<std::uint8_t>& coverage, int texels);

}  // namespace atlas::bake
