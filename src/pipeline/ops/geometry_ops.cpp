#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {

void add_geometry_ops(std::vector<OpSpec>&) {}

}  // namespace atlas::pipeline::ops
