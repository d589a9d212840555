#pragma once
// Internal to the pipeline layer: the texturing steps the game-ready package and the
// pipeline ops share (unwrapping, baking, the baked material), so both make the same
// asset from the same inputs.

#include <optional>
#include <string>
#include <vector>

#include <tbb/collaborative_call_once.h>

#include "asset/image.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "bake/bake_options.h"
#include "bake/colour_bake.h"
#include "bake/mesh_bake_source.h"
#include "core/result.h"
#include "geometry/uv_atlas.h"

namespace atlas::pipeline {

// Empty texels between charts: bilinear filtering and the first two mip levels of a
// chart stay clear of its neighbours.
inline constexpr int kGutterTexels = 4;
// How far bakes fill around charts: past the whole gutter, so that filtering and
// mipmapping at a chart's border blend in the chart's colours, not the background.
inline constexpr int kDilationTexels = 8;

// What the bakes read: the splats (colour from splats) or else the source mesh (colour
// from the mesh), and the detail surface the normals come from. Pointers stay owned by
// the caller.
struct BakeSources {
  const SplatCloud* cloud = nullptr;
  const Mesh* source_mesh = nullptr;
  const Mesh* detail = nullptr;
};

// The material of a baked level: base colour from image `colour_image` and tangent-space
// normals from image `normal_image` (indices into Mesh::images, -1 for none), not
// metallic and rough, since bakes capture lit appearance rather than specular response.
Material baked_material(int colour_image, int normal_image);

// A level as a self-contained mesh: `primitive` with the baked material, sampling
// `maps` (the colour map, then the normal map when there is one). Vertex colours are
// cleared, since glTF would multiply them into the baked colour.
Mesh textured_level(const std::string& name, Primitive primitive,
                    const std::vector<MeshImage>& maps);

// A baked map as a mesh image: pixels only. Encoding waits for the texture step (or
// the export, which writes PNG), so the format is chosen once for the whole chain.
MeshImage baked_map(std::string name, Image pixels);

// Writes uv0 (an atlas of `texture_size` texels with `gutter_texels` between charts)
// and then tangents for `mesh`; see geometry::unwrap_uv_atlas for its errors, which
// leave the mesh unchanged. threads: 0 for all hardware threads.
Result<geometry::UnwrapStats> unwrap_with_tangents(Primitive& mesh, int texture_size,
                                                   int gutter_texels, int threads);

// Bake settings for an atlas of `texture_size` texels, gutters dilated by
// kDilationTexels.
bake::BakeOptions bake_options(int texture_size, int threads);

// The base colour of `level` (unwrapped) from the splats when `sources.cloud` is set,
// else from `sources.source_mesh` (which must then be set). Empty image when the bake
// covers nothing (see bake/colour_bake.h).
Image bake_colour(const Primitive& level, const BakeSources& sources,
                  const bake::BakeOptions& options);

// BakeSources prepared for baking, each source once and only when a bake first needs
// it (bake::SplatBakeSource, bake::MeshBakeSource), so every level of a chain bakes from
// the same search structures. Bakes may run on several threads at once; one that needs
// a source being prepared helps prepare it rather than blocking a worker. The sources
// must outlive it.
class PreparedBakeSources {
 public:
  PreparedBakeSources(const BakeSources& sources, int threads);

  // As bake_colour(level, sources, options).
  Image colour(const Primitive& level, const bake::BakeOptions& options) const;
  // bake::bake_normal_map from sources.detail (which must be set).
  Image normals(const Primitive& level, const bake::BakeOptions& options) const;
  // Prepares every source now, as the first bake would: to do it in the background
  // ahead of the bakes. The sources must hold their final contents.
  void prepare() const;

 private:
  const bake::SplatBakeSource& splat_source() const;
  const bake::MeshBakeSource& mesh_source(const Mesh& mesh) const;

  BakeSources sources_;
  int threads_;
  mutable tbb::collaborative_once_flag splats_once_, source_mesh_once_, detail_once_;
  mutable std::optional<bake::SplatBakeSource> splats_;
  mutable std::optional<bake::MeshBakeSource> source_mesh_, detail_;
};

// The power of two nearest to lod0_size * sqrt(ratio), at least 64: a level with
// `ratio` of LOD0's triangles keeps LOD0's texels per triangle edge.
int level_texture_size(int lod0_size, double ratio);

}  // namespace atlas::pipeline
