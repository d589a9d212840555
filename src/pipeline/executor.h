#pragma once
// Runs a checked pipeline: nodes whose inputs are ready run in parallel on a bounded
// pool; each node's outputs come from the node cache when its key is there (and then
// nothing upstream of it needs to run); values are dropped as soon as the last node
// that reads them is done, so memory holds only what is still needed. Gates that fail
// with on_fail: retry run their upstream node again with other params.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/document.h"
#include "pipeline/node_cache.h"
#include "pipeline/usage_record.h"

namespace atlas::pipeline {

enum class NodeState { Queued, Started, Progress, Finished, Cached, Skipped, Failed };
const char* to_string(NodeState state);

// One progress event; `fraction` is meaningful for Progress, `message` for Failed.
struct NodeEvent {
  std::string node;
  NodeState state = NodeState::Queued;
  double fraction = 0;
  std::string message;
};
// Called from worker threads, one event at a time.
using NodeObserver = std::function<void(const NodeEvent&)>;

struct ExecuteOptions {
  int jobs = 2;                // nodes at once
  int threads = 0;             // each op's own parallelism; 0: all hardware threads
  NodeCache* cache = nullptr;  // null: nothing read from or written to a cache
  const std::atomic<bool>* cancel = nullptr;
  NodeObserver observer;
  // How the inputs were generated when a front end generated them before the run (a
  // JSON object's text: provider, model, task id); the provenance of every written file
  // records it as `generation`. Empty: a generate node's provider, if any.
  std::string generation_json;
  // Told of every call to a remote service as it is made, also when the run later fails
  // (the call may be charged all the same). PipelineRun::usage lists them too.
  UsageSink usage;
};

struct NodeRecord {
  std::string name;
  std::string op;
  NodeState state = NodeState::Queued;  // Finished, Cached, Skipped or Failed; Queued: not needed
  double seconds = 0;
  std::string key;  // the cache key
};

struct GateRecord {
  std::string node;
  bool passed = false;
  int retries = 0;
  std::string details_json = "{}";  // the gate's report: each check with its value
};

struct PipelineRun {
  std::vector<Value> outputs;     // one a document output; empty when its branch was not taken
  std::vector<NodeRecord> nodes;  // one a node, in document order (of the last attempt)
  std::vector<GateRecord> gates;
  std::vector<std::string> warnings;  // from every report a node made
  // Every call to a remote service, of every attempt (a gate's retry pays again).
  std::vector<UsageRecord> usage;
  std::string provenance_json;
  double seconds = 0;
};

// `inputs` holds one file a document input, in declaration order. Errors name the
// node, its op and what failed.
Result<PipelineRun> execute_pipeline(const Pipeline& pipeline,
                                     const std::vector<std::filesystem::path>& inputs,
                                     const ExecuteOptions& options);

// Writes the run's outputs into `directory` (created when missing): `files` values as
// their files, reports as <output>.json, images as <output>.png; and
// pipeline_report.json (nodes with their state and time, gates, warnings, usage,
// provenance).
// Returns the paths written.
Result<std::vector<std::filesystem::path>> write_outputs(const Pipeline& pipeline,
                                                         const PipelineRun& run,
                                                         const std::filesystem::path& directory);

}  // namespace atlas::pipeline
