#pragma once
// Triangle reduction with meshoptimizer (quadric edge collapse), for LOD0 and the LOD
// chain.

#include <cstddef>

#include "asset/mesh.h"

namespace atlas::geometry {

struct SimplifyResult {
  Primitive mesh;
  // meshoptimizer's estimate of the largest deviation from the input surface, relative
  // to the input's extent (relative_error) and in the mesh's units (error_metres).
  float relative_error = 0;
  float error_metres = 0;
  bool used_sloppy = false;  // the topology-preserving pass could not meet the budget
  bool reached_target = true;
};

// What to do when the topology-preserving (seam-keeping) pass cannot reach the target.
enum class SimplifyFallback {
  Sloppy,  // fall back to meshoptimizer's sloppy simplifier: the budget always holds
  None,    // return the topology-preserving result above the target (reached_target false)
};

// Returns `mesh` reduced to at most `target_triangles` triangles, unused vertices
// removed, every attribute carried. Vertices that share a position but differ in
// another attribute (UV seams) stay seams: both sides collapse together and the
// seam's UVs are not interpolated across charts. When the quadric simplifier cannot
// reach the target without breaking the topology it allows larger errors, then does
// what `fallback` says. The sloppy simplifier welds across seams: its UVs are only
// usable for a surface that is unwrapped again.
SimplifyResult simplify(const Primitive& mesh, std::size_t target_triangles,
                        SimplifyFallback fallback = SimplifyFallback::Sloppy);

}  // namespace atlas::geometry
