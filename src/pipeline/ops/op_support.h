#pragma once
// Internal to the ops: reading input ports and parameters, with the errors every op
// gives for a port that is not connected or holds the wrong kind of value
// ("node 'x': mesh must be a mesh, got a splat").

#include <cstdint>
#include <string>
#include <vector>

#include "asset/mesh.h"
#include "core/result.h"
#include "pipeline/op.h"

namespace atlas::pipeline::ops {

// "node '<node>': <message>".
Error node_error(const OpContext& context, const std::string& message);
// An error from a lower layer, prefixed with the node.
Error node_error(const OpContext& context, const Error& error);

// The value on an asset port: a splat, a mesh or a LOD chain of at least one level.
// Null when the port is not connected and `optional`; otherwise an error naming the node
// and the port when it is not connected or holds anything else.
Result<const Value*> asset_input(const OpContext& context, const std::string& port,
                                 bool optional = false);

// The mesh on a mesh port (any number of primitives), with asset_input's rules.
Result<const Mesh*> mesh_input(const OpContext& context, const std::string& port,
                               bool optional = false);

// The mesh on a mesh port that must be one surface: a mesh of exactly one primitive,
// which the surface ops (clean-up, reduction, unwrapping, baking) work on.
Result<const Mesh*> surface_input(const OpContext& context, const std::string& port,
                                  bool optional = false);

// The levels on a lods port (a mesh is a chain of one level): an error naming the node
// and the port when it is not connected or holds anything else.
Result<std::vector<const Mesh*>> lods_input(const OpContext& context, const std::string& port);

// Parameter declarations by type: name, default, range where there is one, doc.
ParamSpec flag_param(std::string name, bool fallback, std::string doc);
ParamSpec integer_param(std::string name, std::int64_t fallback, double min, double max,
                        std::string doc);
ParamSpec number_param(std::string name, double fallback, double min, double max, std::string doc);
ParamSpec numbers_param(std::string name, std::vector<double> fallback, double min, double max,
                        std::string doc);
ParamSpec choice_param(std::string name, std::string fallback, std::vector<std::string> choices,
                       std::string doc);
ParamSpec text_param(std::string name, std::string fallback, std::string doc);  // free text

// The integer parameter `name`, which must be a power of two (texture sides); its range
// is checked before the op runs.
Result<int> power_of_two_param(const OpContext& context, const std::string& name);

// A float option's default as a parameter default: the float's shortest decimal, so
// that the reference shows 0.02 rather than 0.0199999996 and the parameter converts
// back to the same float.
double parameter_default(float value);

}  // namespace atlas::pipeline::ops
