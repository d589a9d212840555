#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {

void add_gate_op(std::vector<OpSpec>&) {}

}  // namespace atlas::pipeline::ops
