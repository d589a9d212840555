#pragma once
// Cleaning a raw triangle surface (from extraction or from a generator) before
// reduction: welding, degenerate and duplicate faces, floaters, interior shells, small
// holes, smooth normals. Operates on one primitive; attributes other than positions
// (normals, colours, UVs) are carried along where vertices survive.

#include <cstddef>

#include "asset/mesh.h"

namespace atlas::geometry {

struct CleanupOptions {
  // Vertices closer than this fraction of the bounding-box diagonal are merged.
  float weld_tolerance = 1e-6f;
  // A connected component whose surface area is below this share of the largest
  // component's area is a floater and removed.
  float min_component_area_ratio = 0.02f;
  // Remove components entirely enclosed by another component (hidden inner shells).
  bool remove_interior_shells = true;
  // Boundary loops of at most this many edges are filled (fan around their centroid).
  int max_hole_edges = 64;
};

struct CleanupReport {
  std::size_t welded_vertices = 0;
  std::size_t degenerate_faces = 0;
  std::size_t duplicate_faces = 0;
  std::size_t floater_components = 0;
  std::size_t floater_faces = 0;
  std::size_t interior_components = 0;
  std::size_t holes_filled = 0;
  std::size_t components_kept = 0;
};

// Cleans `mesh` in place and recomputes its normals with compute_smooth_normals.
// Unused vertices are removed; triangle order is otherwise kept.
CleanupReport clean_up(Primitive& mesh, const CleanupOptions& options = {});

// Area- and angle-weighted vertex normals from the faces; vertices of no face get +Y.
void compute_smooth_normals(Primitive& mesh);

}  // namespace atlas::geometry
