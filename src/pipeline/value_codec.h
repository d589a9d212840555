#pragma once
// A lossless binary form of the values a node outputs, for the node cache: what
// decodes is exactly what was encoded, so a run from the cache writes the same bytes
// as a run without it. Decoding checks every count against the bytes left and fails
// (never crashes) on a damaged or foreign file.

#include "core/file_io.h"
#include "pipeline/op.h"

namespace atlas::pipeline {

Bytes encode_values(const Values& values);
Result<Values> decode_values(ByteView bytes);

}  // namespace atlas::pipeline
