#pragma once
// Baking base colour into a UV atlas, from a splat cloud or from a high-poly mesh.
// Output images are RGBA8 with sRGB-encoded colour (what glTF base-colour textures
// hold): alpha 255 where the atlas is covered and in the dilated gutters; beyond them
// alpha 0 and the mean covered colour, so mipmaps stay the object's colour.

#include <memory>

#include "asset/image.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "bake/bake_options.h"
#include "bake/mesh_bake_source.h"

namespace atlas::bake {

// Base colour of `low` (positions, uv0; normals, or face normals without them) from
// what the splats show: for each texel, a ray along the surface normal from 0.75 typical
// splat radii outside the surface to 1.75 inside (the splats' opacity lies mostly just
// inside a surface extracted from them) meets each nearby Gaussian
// at its peak along the ray (alpha = opacity x exp(-d^2 / 2), d the Mahalanobis
// distance there, 3DGS's 1/255 cut-off and 0.99 cap); the splats are composited front
// to back by that peak, the colour a camera looking straight at the surface would see,
// view-independent (SH degree 0), divided by the accumulated alpha so the background
// never mixes in. Texels whose ray meets no splat take the nearest clearly visible
// (alpha >= 0.1) splat's colour. Splat colour values are written as they are rendered
// (8-bit, no transfer curve), so an unlit render of the baked mesh reproduces the
// splat render's colours. Both inputs in the same space. Empty image when low has no
// uv0 for every vertex or no triangle, no texel is covered, no splat can show, or
// texture_size is outside 1..8192.
Image bake_splat_colour(const Primitive& low, const SplatCloud& splats, const BakeOptions& options);

// Splats prepared once (laid out for compositing along rays, indexed for search) for
// several bakes from one cloud, as a LOD chain bakes each level. Keeps no reference to
// the cloud; read-only once made, so bakes on several threads may share one.
class SplatBakeSource {
 public:
  explicit SplatBakeSource(const SplatCloud& splats, int threads = 0);
  ~SplatBakeSource();
  SplatBakeSource(SplatBakeSource&&) noexcept;
  SplatBakeSource& operator=(SplatBakeSource&&) noexcept;

 private:
  friend Image bake_splat_colour(const Primitive&, const SplatBakeSource&, const BakeOptions&);
  struct Prepared;
  std::unique_ptr<const Prepared> prepared_;
};

// bake_splat_colour from splats prepared once. threads in `options` apply to the bake;
// the preparation used its own.
Image bake_splat_colour(const Primitive& low, const SplatBakeSource& splats,
                        const BakeOptions& options);

// Base colour of `low` (positions, uv0; normals, or face normals without them) from
// `high`: each texel looks along low's normal, both ways, for the nearest point of
// `high` within 2 % of high's bounding-box diagonal, or else takes high's closest point,
// and samples its base colour by glTF's rules (material factor x base-colour texture
// with its sampler, KHR_texture_transform and texcoord set x vertex colour), written
// sRGB-encoded. Empty image when low has no uv0 for every vertex or no triangle, high
// has no usable triangle, or texture_size is outside 1..8192.
Image bake_mesh_colour(const Primitive& low, const Mesh& high, const BakeOptions& options);

// The same from `high` prepared once, for several bakes from one mesh.
Image bake_mesh_colour(const Primitive& low, const MeshBakeSource& high,
                       const BakeOptions& options);

}  // namespace atlas::bake
