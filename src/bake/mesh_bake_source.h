#pragma once
// A mesh prepared once for baking from: every primitive's triangles in one search
// structure, read by any number of bakes (bake_mesh_colour, bake_normal_map), as the
// levels of a LOD chain are each baked from the same dense surface. Read-only once
// made, so bakes on several threads may share one.

#include <memory>

#include "asset/mesh.h"

namespace atlas::bake {

class MeshSurface;

class MeshBakeSource {
 public:
  // Keeps a reference to `mesh`, which must outlive the source.
  explicit MeshBakeSource(const Mesh& mesh);
  ~MeshBakeSource();
  MeshBakeSource(MeshBakeSource&&) noexcept;
  MeshBakeSource& operator=(MeshBakeSource&&) noexcept;

  const Mesh& mesh() const { return *mesh_; }
  // The search structure (bake/mesh_surface.h, private to the bake layer).
  const MeshSurface& surface() const { return *surface_; }

 private:
  const Mesh* mesh_;
  std::unique_ptr<const MeshSurface> surface_;
};

}  // namespace atlas::bake
