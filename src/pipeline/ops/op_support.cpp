#include "pipeline/ops/op_support.h"

#include <charconv>

namespace atlas::pipeline::ops {
namespace {

std::string describe(const Value& value) {
  switch (value.type()) {
    case ValueType::File:
      return "a file";
    case ValueType::Splat:
      return "a splat";
    case ValueType::Mesh:
      return "a mesh";
    case ValueType::Lods:
      return value.levels().empty() ? "an empty LOD chain" : "a LOD chain";
    case ValueType::Image:
      return "an image";
    case ValueType::Report:
      return "a report";
    case ValueType::Files:
      return "files";
    case ValueType::Asset:
      break;  // never a concrete value's type
  }
  return "an unknown value";
}

Error wrong_input(const OpContext& context, const std::string& port, const std::string& wanted,
                  const std::string& given) {
  return node_error(context, port + " must be " + wanted + ", got " + given);
}

}  // namespace

Error node_error(const OpContext& context, const std::string& message) {
  return make_error("node '" + context.node + "': " + message);
}

Error node_error(const OpContext& context, const Error& error) {
  return node_error(context, error.message);
}

Result<const Value*> asset_input(const OpContext& context, const std::string& port, bool optional) {
  const Value* value = context.input(port);
  if (!value) {
    if (optional) return value;
    return node_error(context, "input '" + port + "' is not connected");
  }
  const bool is_asset = value->type() == ValueType::Splat || value->mesh() != nullptr;
  if (!is_asset)
    return wrong_input(context, port, "a splat, a mesh or a LOD chain", describe(*value));
  return value;
}

Result<const Mesh*> mesh_input(const OpContext& context, const std::string& port, bool optional) {
  const Value* value = context.input(port);
  if (!value) {
    if (optional) return static_cast<const Mesh*>(nullptr);
    return node_error(context, "input '" + port + "' is not connected");
  }
  if (value->type() != ValueType::Mesh)
    return wrong_input(context, port, "a mesh", describe(*value));
  return value->mesh();
}

Result<const Mesh*> surface_input(const OpContext& context, const std::string& port,
                                  bool optional) {
  Result<const Mesh*> mesh = mesh_input(context, port, optional);
  if (!mesh || !*mesh || (*mesh)->primitives.size() == 1) return mesh;
  return wrong_input(context, port, "one surface (a mesh of one primitive)",
                     "a mesh of " + std::to_string((*mesh)->primitives.size()) +
                         " primitives; splat_to_mesh merges a mesh into one surface");
}

Result<std::vector<const Mesh*>> lods_input(const OpContext& context, const std::string& port) {
  const Value* value = context.input(port);
  if (!value) return node_error(context, "input '" + port + "' is not connected");
  std::vector<const Mesh*> levels = value->levels();
  if (levels.empty()) return wrong_input(context, port, "a mesh or a LOD chain", describe(*value));
  return levels;
}

ParamSpec flag_param(std::string name, bool fallback, std::string doc) {
  ParamSpec param;
  param.name = std::move(name);
  param.type = ParamType::Bool;
  param.default_value = fallback;
  param.doc = std::move(doc);
  return param;
}

ParamSpec integer_param(std::string name, std::int64_t fallback, double min, double max,
                        std::string doc) {
  ParamSpec param;
  param.name = std::move(name);
  param.type = ParamType::Integer;
  param.default_value = fallback;
  param.min = min;
  param.max = max;
  param.doc = std::move(doc);
  return param;
}

ParamSpec number_param(std::string name, double fallback, double min, double max, std::string doc) {
  ParamSpec param = integer_param(std::move(name), 0, min, max, std::move(doc));
  param.type = ParamType::Number;
  param.default_value = fallback;
  return param;
}

ParamSpec numbers_param(std::string name, std::vector<double> fallback, double min, double max,
                        std::string doc) {
  ParamSpec param = integer_param(std::move(name), 0, min, max, std::move(doc));
  param.type = ParamType::Numbers;
  param.default_value = std::move(fallback);
  return param;
}

ParamSpec choice_param(std::string name, std::string fallback, std::vector<std::string> choices,
                       std::string doc) {
  ParamSpec param;
  param.name = std::move(name);
  param.type = ParamType::Text;
  param.default_value = std::move(fallback);
  param.choices = std::move(choices);
  param.doc = std::move(doc);
  return param;
}

ParamSpec text_param(std::string name, std::string fallback, std::string doc) {
  return choice_param(std::move(name), std::move(fallback), {}, std::move(doc));
}

Result<int> power_of_two_param(const OpContext& context, const std::string& name) {
  const std::int64_t value = context.integer(name);
  if (value <= 0 || (value & (value - 1)) != 0)
    return node_error(context, name + " must be a power of two, got " + std::to_string(value));
  return static_cast<int>(value);
}

double parameter_default(float value) {
  char text[32];
  const std::to_chars_result written = std::to_chars(text, text + sizeof text, value);
  double decimal = value;
  std::from_chars(text, written.ptr, decimal);
  return decimal;
}

}  // namespace atlas::pipeline::ops
