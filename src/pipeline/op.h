#pragma once
// A pipeline operation ("op"): what a node of a pipeline document runs. Each op
// declares its typed input and output ports and its parameters (types, defaults,
// ranges), so a document is checked before anything runs and the reference (`atlas
// ops`) is generated from the same declarations.
//
// Contract of OpSpec::run: it reads only its inputs and parameters (never the clock or
// global state), so the same inputs and parameters give byte-identical outputs; it
// returns an Error saying what went wrong rather than throwing; it fills every
// non-optional output port; it calls `progress` now and then and returns early with an
// error when `cancelled()` turns true.

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "pipeline/usage_record.h"
#include "pipeline/value.h"

namespace atlas::pipeline {

enum class ParamType { Bool, Integer, Number, Text, Numbers };
const char* to_string(ParamType type);

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>>;

// A parameter's value as documents write it: true, 20000, 0.5, png, [1, 0.25].
std::string param_text(const ParamValue& value);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Number;
  ParamValue default_value;
  double min = -std::numeric_limits<double>::infinity();  // Integer, Number, each of Numbers
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // Text: the allowed values; empty for free text
  std::string doc;
};

struct PortSpec {
  std::string name;
  ValueType type = ValueType::Mesh;
  bool optional = false;
  std::string doc;
};

using Params = std::map<std::string, ParamValue>;
using Values = std::map<std::string, Value>;

// What a running op sees. Params hold every declared parameter (defaults filled in,
// types and ranges already checked); inputs hold every connected port.
struct OpContext {
  std::string node;  // the node's name, for messages
  Params params;
  Values inputs;
  int threads = 0;  // 0: all hardware threads
  // Provenance for files the op writes (glTF asset.extras): a JSON object's text with
  // the pipeline's name and hash, the input files' hashes and the node versions.
  std::string provenance_json = "{}";
  // The first input file's name without its extension: the default stem of written
  // files. Part of the provenance, so it is in the cache key of ops that write files.
  std::string input_stem;
  std::function<void(double fraction)> progress = [](double) {};
  const std::atomic<bool>* cancel_flag = nullptr;
  // Where ops that call remote services report each call (see usage_record.h).
  UsageSink record_usage = [](const UsageRecord&) {};

  bool cancelled() const { return cancel_flag && cancel_flag->load(); }
  // Typed parameter access; the parameter must be declared with that type.
  bool flag(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  const std::string& text(const std::string& name) const;
  const std::vector<double>& numbers(const std::string& name) const;
  // The value on an input port, or null when the port is not connected or the value is
  // empty.
  const Value* input(const std::string& port) const;
};

using OpRun = std::function<Result<Values>(const OpContext& context)>;

struct OpSpec {
  std::string name;
  int version = 1;  // bumped whenever the outputs for the same inputs change (cache key)
  std::string purpose;
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::vector<ParamSpec> params;
  OpRun run;
  // The op reads OpContext::provenance_json (it writes files that carry provenance), so
  // the provenance is part of its cache key.
  bool writes_provenance = false;
};

// Every op Atlas has, in catalogue order.
const std::vector<OpSpec>& op_catalogue();
// Null when there is no op of that name.
const OpSpec* find_op(std::string_view name);

// The reference of every op (purpose, ports, parameters with defaults and ranges) as
// Markdown (docs/ops.md is this text) or as plain text for a terminal.
std::string ops_reference_markdown();
std::string ops_reference_text();

}  // namespace atlas::pipeline
