#pragma once
// Small plain vector types for the asset model. They are trivially copyable so arrays
// of them can be read and written as raw bytes. Heavy linear algebra (Eigen) stays
// inside the algorithms that need it.

#include <cmath>

namespace atlas {

struct Vec2 {
  float x = 0, y = 0;
};

struct Vec3 {
  float x = 0, y = 0, z = 0;
  friend Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
  friend Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
  friend Vec3 operator*(Vec3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
  friend bool operator==(Vec3, Vec3) = default;
};

struct Vec4 {
  float x = 0, y = 0, z = 0, w = 0;
  friend bool operator==(Vec4, Vec4) = default;
};

// Rotation quaternion, scalar first (the order 3DGS PLY and 404 store: rot_0 = w).
struct Quat {
  float w = 1, x = 0, y = 0, z = 0;
};

inline float dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline float length(Vec3 v) { return std::sqrt(dot(v, v)); }
inline Vec3 normalize(Vec3 v) {
  const float l = length(v);
  return l > 0 ? v * (1.0f / l) : Vec3{};
}

// Returns q scaled to unit length, or the identity when q is zero or not finite.
inline Quat normalized(Quat q) {
  const float n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  if (!(n > 0) || !std::isfinite(n)) return Quat{};
  return {q.w / n, q.x / n, q.y / n, q.z / n};
}

struct Bounds {
  Vec3 min{INFINITY, INFINITY, INFINITY};
  Vec3 max{-INFINITY, -INFINITY, -INFINITY};

  bool empty() const { return !(min.x <= max.x); }
  void extend(Vec3 p) {
    min = {std::fmin(min.x, p.x), std::fmin(min.y, p.y), std::fmin(min.z, p.z)};
    max = {std::fmax(max.x, p.x), std::fmax(max.y, p.y), std::fmax(max.z, p.z)};
  }
  Vec3 size() const { return empty() ? Vec3{} : max - min; }
  Vec3 center() const { return empty() ? Vec3{} : (min + max) * 0.5f; }
  float longest_side() const {
    const Vec3 s = size();
    return std::fmax(s.x, std::fmax(s.y, s.z));
  }
};

}  // namespace atlas
