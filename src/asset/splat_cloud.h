#pragma once
// A cloud of 3D Gaussians, stored structure-of-arrays in the raw (pre-activation)
// parametrisation that 3DGS training and PLY files use:
//
//   attribute        stored as                     activate with
//   position         metres, Y-up                  -
//   log_scale        natural log of each std-dev   exp()
//   rotation         unit quaternion (w, x, y, z)  -
//   opacity_logit    logit of alpha                sigmoid()
//   sh_dc            degree-0 SH coefficient       colour = 0.5 + kShC0 * sh_dc
//   sh_rest          degree 1..3 SH coefficients   evaluated with the view direction
//
// Formats that store activated values (.splat, SPZ) convert on read and write.

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "asset/conventions.h"
#include "asset/math.h"

namespace atlas {

// Number of non-DC SH coefficients per colour channel: 0, 3, 8 or 15 for degree 0..3.
constexpr int sh_rest_coefficients(int degree) { return (degree + 1) * (degree + 1) - 1; }

struct SplatCloud {
  int sh_degree = 0;  // 0..3
  std::vector<Vec3> positions;
  std::vector<Vec3> log_scales;
  std::vector<Quat> rotations;
  std::vector<float> opacity_logits;
  std::vector<Vec3> sh_dc;
  // size() * sh_rest_coefficients(sh_degree) * 3 floats. For splat i, coefficient k
  // (0-based, degree-1 coefficients first) and channel c (0 = red):
  // sh_rest[(i * coefficients + k) * 3 + c].
  std::vector<float> sh_rest;

  std::size_t size() const { return positions.size(); }
  bool empty() const { return positions.empty(); }

  // Resizes every attribute array for `count` splats at the current sh_degree.
  void resize(std::size_t count);

  // True when every array has the length size() and sh_degree implies.
  bool consistent() const;

  // Empty when the cloud is consistent and every value is finite; otherwise the first
  // problem, naming the splat ("splat 17: position is not finite"). Readers return
  // this as their error so NaN and infinity never reach processing.
  std::string validate() const;

  Bounds bounds() const;
};

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Inverse of sigmoid, with alpha clamped to [1e-6, 1 - 1e-6] so 0 and 1 stay finite.
float logit(float alpha);

inline float colour_from_sh_dc(float dc) { return 0.5f + conventions::kShC0 * dc; }
inline float sh_dc_from_colour(float colour) { return (colour - 0.5f) / conventions::kShC0; }

}  // namespace atlas
