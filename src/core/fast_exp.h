#pragma once
// exp(x) for Gaussian evaluations (surface extraction, splat rendering), several times faster
// than std::exp: 2^(x log2 e) split into an integer power of two (the float's exponent bits)
// and 2^f, |f| <= 1/2, by its degree-5 Taylor polynomial (relative error below 4e-6).
// Arguments are clamped to [-80, 80]: below, about 2^-115 rather than 0, which no caller
// minds.

#include <bit>
#include <cstdint>

namespace atlas {

// fast_exp for x already in [-80, 80], without the clamp, which costs about a tenth of a
// splat render's time once vectorised; and unless the file is built with
// -fno-trapping-math, GCC folds the clamp's constant results into branches whose float
// operations it will not if-convert, so the loop does not vectorise at all.
inline float fast_exp_in_range(float x) {
  // The 1.5 * 2^23 rounding trick compiles to a few instructions on baseline x86-64, where
  // std::nearbyint is a library call.
  const float t = x * 1.44269504f;
  constexpr float kRound = 12582912.0f;
  const float n = (t + kRound) - kRound;
  const float f = t - n;
  float p = 1.33335581e-3f;
  p = p * f + 9.61812911e-3f;
  p = p * f + 5.55041087e-2f;
  p = p * f + 2.40226507e-1f;
  p = p * f + 6.93147181e-1f;
  p = p * f + 1.0f;
  const auto exponent = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(exponent);
}

inline float fast_exp(float x) {
  // Plain comparisons compile to a few instructions on baseline x86-64, where std::fmax
  // is a library call.
  return fast_exp_in_range(x < -80.0f ? -80.0f : (x > 80.0f ? 80.0f : x));
}

}  // namespace atlas
