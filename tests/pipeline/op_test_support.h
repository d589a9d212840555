#pragma once
// Running one pipeline op the way a pipeline runs it: every declared parameter filled
// with its default, then the test's overrides.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "pipeline/op.h"

namespace atlas::test {

inline pipeline::OpContext op_context(const pipeline::OpSpec& op, pipeline::Values inputs,
                                      const pipeline::Params& overrides = {},
                                      std::string node = "node") {
  pipeline::OpContext context;
  context.node = std::move(node);
  for (const pipeline::ParamSpec& param : op.params)
    context.params[param.name] = param.default_value;
  for (const auto& [name, value] : overrides) context.params[name] = value;
  context.inputs = std::move(inputs);
  return context;
}

inline Result<pipeline::Values> run_op(std::string_view name, pipeline::Values inputs,
                                       const pipeline::Params& overrides = {},
                                       std::string node = "node") {
  const pipeline::OpSpec* op = pipeline::find_op(name);
  if (!op) return make_error("no op named " + std::string(name));
  return op->run(op_context(*op, std::move(inputs), overrides, std::move(node)));
}

// The value on `port` of a run that must have succeeded (empty, the test failed,
// otherwise).
inline pipeline::Value output(const Result<pipeline::Values>& run, const std::string& port) {
  EXPECT_TRUE(run.ok()) << (run.ok() ? "" : run.error().message);
  if (!run.ok()) return {};
  const auto found = run->find(port);
  EXPECT_NE(found, run->end()) << port;
  return found == run->end() ? pipeline::Value() : found->second;
}

inline std::string error_of(const Result<pipeline::Values>& run) {
  return run.ok() ? "(no error)" : run.error().message;
}

inline void expect_uvs_in_unit_square(const Primitive& surface) {
  ASSERT_EQ(surface.uv0.size(), surface.positions.size());
  for (const Vec2& uv : surface.uv0) {
    ASSERT_TRUE(uv.x >= 0 && uv.x <= 1 && uv.y >= 0 && uv.y <= 1) << uv.x << ", " << uv.y;
  }
}

}  // namespace atlas::test
