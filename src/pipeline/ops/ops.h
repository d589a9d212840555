#pragma once
// Internal to the pipeline layer: each file in ops/ adds its ops to the catalogue
// (op_catalogue() in op.cpp calls these in this order).

#include <vector>

#include "pipeline/op.h"

namespace atlas::pipeline::ops {

void add_io_ops(std::vector<OpSpec>& catalogue);        // load, export
void add_geometry_ops(std::vector<OpSpec>& catalogue);  // splat_to_mesh, cleanup, transform,
                                                        // reduce, lod_chain, unwrap
void add_bake_ops(std::vector<OpSpec>& catalogue);      // bake_color, bake_normals, texture
void add_quality_ops(std::vector<OpSpec>& catalogue);   // validate, score, preview
void add_gate_op(std::vector<OpSpec>& catalogue);       // gate
void add_remote_ops(std::vector<OpSpec>& catalogue);    // generate, http_model

}  // namespace atlas::pipeline::ops
