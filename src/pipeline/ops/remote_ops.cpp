#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {

void add_remote_ops(std::vector<OpSpec>&) {}

}  // namespace atlas::pipeline::ops
