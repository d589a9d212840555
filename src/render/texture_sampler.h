#pragma once
// Base-colour texture lookups for the mesh renderer: glTF wrap modes, nearest or
// bilinear filtering, KHR_texture_transform, and the sRGB transfer curve. Private to
// the renderers.

#include <cstdint>

#include "asset/image.h"
#include "asset/math.h"
#include "asset/mesh.h"

namespace atlas::render {

// sRGB-encoded 8-bit value -> linear 0..1.
float srgb_to_linear(std::uint8_t value);

// Linear value (clamped to 0..1) -> sRGB-encoded 8-bit value, rounded.
std::uint8_t linear_to_srgb(float value);

// uv' = translate(offset) * rotate(rotation) * scale(scale) * uv when the transform is
// present, else uv unchanged.
Vec2 apply_texture_transform(const TextureTransform& transform, Vec2 uv);

// Samples `image` at uv (glTF convention: (0, 0) is the top-left corner of the image,
// texel centres at (i + 0.5) / width). Nearest filtering when the sampler's mag filter
// is NEAREST (9728), bilinear otherwise; no mipmaps. Wrap modes per axis: REPEAT
// (10497 and unknown codes), CLAMP_TO_EDGE (33071), MIRRORED_REPEAT (33648). Colour is
// decoded from sRGB to linear before filtering; alpha is linear. 1 and 2 channel images
// are grey (+ alpha). An empty image or a non-finite uv samples as opaque white.
Vec4 sample_texture(const Image& image, const Sampler& sampler, Vec2 uv);

}  // namespace atlas::render
