#include "bake/mesh_bake_source.h"

#include "bake/mesh_surface.h"

namespace atlas::bake {

MeshBakeSource::MeshBakeSource(const Mesh& mesh)
    : mesh_(&mesh), surface_(std::make_unique<const MeshSurface>(mesh)) {}
MeshBakeSource::~MeshBakeSource() = default;
MeshBakeSource::MeshBakeSource(MeshBakeSource&&) noexcept = default;
MeshBakeSource& MeshBakeSource::operator=(MeshBakeSource&&) noexcept = default;

}  // namespace atlas::bake
