#pragma once
// The one place that states Atlas's units and axes. Every reader converts into these,
// every writer converts out of them.
//
// - Units: metres.
// - Axes: right-handed, +Y up, +Z toward the viewer (the asset's front faces +Z), +X
//   right. This is glTF's convention and Niantic SPZ's "RUB" (right, up, back).
// - Triangles: counter-clockwise front faces.
// - Splat files from 404 are already Y-up in this frame (positions within about
//   +-0.5); readers keep positions as stored unless the format documents other axes.

namespace atlas::conventions {

inline constexpr const char* kUnits = "metres";
inline constexpr const char* kUpAxis = "+Y";
inline constexpr const char* kFrontAxis = "+Z";

// Degree-0 spherical harmonic constant: colour = 0.5 + kShC0 * f_dc.
inline constexpr float kShC0 = 0.28209479177387814f;

}  // namespace atlas::conventions
