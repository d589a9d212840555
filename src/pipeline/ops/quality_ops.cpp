#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {

void add_quality_ops(std::vector<OpSpec>&) {}

}  // namespace atlas::pipeline::ops
