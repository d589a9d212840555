#pragma once
// Pipeline documents: a graph of named nodes in YAML (or the same as JSON, which is
// YAML too), checked against the op catalogue before anything runs.
//
//   pipeline: mobile                      # name
//   description: One line for `atlas presets`.
//   inputs:                               # name: type (file)
//     source: file
//   nodes:
//     load:
//       op: load
//       inputs: {file: source}            # port: node, node.port or a pipeline input
//     surface:
//       op: splat_to_mesh
//       inputs: {source: load}
//       params: {triangles: 5000}
//     ...
//   outputs:                              # name: node or node.port (files, report, image)
//     model: export
//   settings:                             # optional: one name for params that move together
//     triangles:
//       doc: LOD0 triangle budget
//       sets: [surface.triangles, lod0.triangles]
//
// schemas/pipeline.schema.json is the JSON Schema of this document.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/op.h"

namespace atlas::pipeline {

struct SourceMark {
  int line = 0;  // 1-based; 0 when the item did not come from a file (--set)
  int column = 0;
};

// A parameter as written: a scalar's text or a list of scalars' texts. Its type comes
// from the op's declaration when the document is checked.
struct RawParam {
  std::string scalar;
  std::vector<std::string> list;
  bool is_list = false;
  SourceMark mark;
};

struct PortRef {
  std::string node;  // a node's name or a pipeline input's name
  std::string port;  // empty: the node's only (or first) output
  SourceMark mark;
};

struct NodeDecl {
  std::string name;
  std::string op;
  std::map<std::string, PortRef> inputs;
  std::map<std::string, RawParam> params;
  SourceMark mark;
};

struct PipelineInput {
  std::string name;
  ValueType type = ValueType::File;
  SourceMark mark;
};

struct PipelineOutput {
  std::string name;
  PortRef from;
};

struct SettingTarget {
  std::string node;
  std::string param;
  SourceMark mark;
};

// A name for parameters that move together: `--set triangles=30000` sets every target.
struct SettingDecl {
  std::string name;
  std::string doc;
  std::vector<SettingTarget> targets;
  SourceMark mark;
};

struct PipelineDocument {
  std::string source_name;  // the file's path or the preset's name, for messages
  std::string name;
  std::string description;
  std::vector<PipelineInput> inputs;
  std::vector<NodeDecl> nodes;  // in document order
  std::vector<PipelineOutput> outputs;
  std::vector<SettingDecl> settings;  // in document order
  std::string sha256;                 // of the document's text
};

// Parses the text; errors say "<source_name>:<line>:<column>: <problem>".
Result<PipelineDocument> parse_pipeline(const std::string& text, const std::string& source_name);

// Applies a command-line override "node.param=value" or "setting=value" (every target
// of the setting), a list as "1,0.5" or "[1, 0.5]"; fails when the node or the setting
// does not exist. Overrides apply in the order given, so overriding one target of a
// setting after the setting leaves the targets apart, which the check reports.
Status apply_override(PipelineDocument& document, const std::string& assignment);

// An edge into a node's input port: from a pipeline input (node < 0, input index) or
// from another node's output port.
struct Edge {
  int node = -1;
  int input = -1;
  std::string port;
  ValueType type = ValueType::File;
};

// A checked setting.
struct Setting {
  std::string name;
  std::string doc;
  ParamSpec spec;  // name = the setting's name; type = the targets' (all the same);
                   // min/max = the intersection of the targets' ranges; choices = the
                   // intersection of the targets' choices (Text); doc = the setting's doc;
                   // default_value = the value the checked document gives its targets
  std::vector<SettingTarget> targets;
};

// A document that passed every check, with its params typed and defaults filled in.
struct Pipeline {
  PipelineDocument document;
  std::vector<const OpSpec*> ops;                   // one a node
  std::vector<Params> params;                       // one a node, complete
  std::vector<std::map<std::string, Edge>> inputs;  // one a node: port -> edge
  std::vector<int> order;                           // topological, stable in document order
  std::vector<Edge> outputs;                        // one a document output
  std::vector<Setting> settings;                    // in document order
};

// Checks unknown ops, params and ports, parameter types and ranges, missing inputs,
// type mismatches along edges, unknown references, cycles, and settings whose targets
// are unknown, of different types or hold different values. Every problem found is
// listed, one a line: "<source>:<line>:<column>: node '<name>': <problem>".
Result<Pipeline> check_pipeline(PipelineDocument document);

// The graph as text (its settings with their values and targets, then one node a line
// with its op, params that differ from the defaults and where its inputs come from) and
// as Graphviz DOT.
std::string describe_pipeline(const Pipeline& pipeline);
std::string pipeline_dot(const Pipeline& pipeline);

// Loads a pipeline by preset name (see presets.h) or file path, applies the overrides
// and checks it.
Result<Pipeline> load_pipeline(const std::string& name_or_path,
                               const std::vector<std::string>& overrides = {});

}  // namespace atlas::pipeline
