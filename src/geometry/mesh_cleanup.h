#pragma once
// Cleaning a raw triangle surface (from extraction or from a generator) before
// reduction: welding, degenerate and duplicate faces, optionally edges of more than two
// faces, consistent outward winding, floaters, interior shells, small holes, smooth
// normals. Operates on
// one primitive; attributes other than positions (normals, colours, UVs) are carried along where
// vertices survive: welded copies take the attributes of the copy they merge into, so
// UV seams are welded shut (the game-ready pipeline unwraps again after reduction).

#include <cstddef>

#include "asset/mesh.h"

namespace atlas::geometry {

struct CleanupOptions {
  // Vertices closer than this fraction of the bounding-box diagonal are merged (always
  // when closer than a quarter of it along each axis, usually up to the full distance).
  float weld_tolerance = 1e-6f;
  // A connected component whose surface area is below this share of the largest
  // component's area is a floater and removed.
  float min_component_area_ratio = 0.02f;
  // Open every edge of more than two faces (see split_non_manifold_vertices in the
  // source), so that the surface is manifold even as positions alone describe it (STL).
  // Pieces that hung on the rest by such an edge become pieces of their own, floaters
  // when small. Off by default: a game asset renders the same either way, a generator's
  // thin parts (fins, leaves) hang on such edges, and opened pieces put a floor under
  // LOD reduction. On for 3D printing.
  bool open_non_manifold_edges = false;
  // Remove components entirely enclosed by another component (hidden inner shells):
  // a component is enclosed when most of its sample points are inside the other
  // components by ray parity.
  bool remove_interior_shells = true;
  // Make winding consistent across every edge two faces share, then turn each
  // edge-connected piece so that it encloses positive volume (its normals face out).
  bool orient_outward = true;
  // Boundary loops of at most this many edges are filled (fan around their centroid).
  int max_hole_edges = 64;
};

struct CleanupReport {
  std::size_t welded_vertices = 0;
  std::size_t degenerate_faces = 0;  // repeated corner, no area or a bad index
  std::size_t duplicate_faces = 0;   // same three corners as an earlier face, either winding
  std::size_t split_vertices = 0;    // copies made by open_non_manifold_edges
  std::size_t flipped_faces = 0;
  std::size_t floater_components = 0;
  std::size_t floater_faces = 0;
  std::size_t interior_components = 0;
  std::size_t interior_faces = 0;
  std::size_t holes_filled = 0;
  std::size_t components_kept = 0;
};

// Cleans `mesh` in place and recomputes its normals with compute_smooth_normals.
// Unused vertices are removed; triangle order is otherwise kept (fills are appended).
// Attribute arrays whose length does not match the positions are dropped. A mesh with
// no valid triangle comes out empty.
CleanupReport clean_up(Primitive& mesh, const CleanupOptions& options = {});

// How a surface is connected, as a validator sees it. Counted after welding as clean_up
// welds, because glTF meshes split vertices along UV seams and normal creases, and those
// splits would otherwise all count as open edges.
struct SurfaceTopology {
  std::size_t boundary_edges = 0;      // edges of exactly one face
  std::size_t non_manifold_edges = 0;  // edges of three or more faces
  std::size_t components = 0;          // pieces connected through shared vertices
  std::size_t floater_components = 0;  // components clean_up would remove as floaters
};

// Measures `mesh` without changing it, with the weld tolerance and floater threshold of
// `options`. Faces with an index out of range, a non-finite corner or a repeated corner
// (after welding) are left out.
SurfaceTopology measure_topology(const Primitive& mesh, const CleanupOptions& options = {});

// Angle-weighted vertex normals (each face's unit normal weighted by its angle at the
// vertex, so the result does not depend on how the surface is tessellated); vertices of
// no face get +Y.
void compute_smooth_normals(Primitive& mesh);

}  // namespace atlas::geometry
