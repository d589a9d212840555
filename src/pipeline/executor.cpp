#include "pipeline/executor.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/file_io.h"
#include "core/sha256.h"
#include "formats/image_io.h"

namespace atlas::pipeline {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Bumped when the key's recipe changes, so old entries stop matching.
constexpr const char* kKeyRecipe = "atlas-node-key-1";
constexpr const char* kGateOp = "gate";

std::string canonical(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        char number[40];
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          std::snprintf(number, sizeof number, "%.17g", v);
          return number;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return Json(v).dump();
        } else {
          std::string text = "[";
          for (std::size_t i = 0; i < v.size(); ++i) {
            std::snprintf(number, sizeof number, "%.17g", v[i]);
            text += (i ? "," : "") + std::string(number);
          }
          return text + "]";
        }
      },
      value);
}

ByteView as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Provenance every written file carries: the pipeline, its inputs' hashes, every node's
// op, version and params, and who generated the source when a generation is upstream.
std::string provenance_for(const Pipeline& pipeline, const std::vector<Value>& inputs,
                           const std::string& generation_json) {
  const PipelineDocument& document = pipeline.document;
  Json provenance = {{"powered_by", "404 (Bittensor subnet 17)"},
                     {"pipeline", {{"name", document.name}, {"sha256", document.sha256}}}};
  Json files = Json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    files.push_back({{"name", document.inputs[i].name},
                     {"file", inputs[i].file()->path.filename().string()},
                     {"sha256", inputs[i].file()->sha256}});
  }
  provenance["inputs"] = files;
  Json nodes = Json::array();
  for (int index : pipeline.order) {
    const OpSpec& op = *pipeline.ops[index];
    Json params = Json::object();
    for (const auto& [name, value] : pipeline.params[index]) params[name] = canonical(value);
    nodes.push_back({{"name", document.nodes[index].name},
                     {"op", op.name},
                     {"version", op.version},
                     {"params", params}});
    if (op.name == "generate" || op.name == "http_model")
      provenance["generation"] = {
          {"node", document.nodes[index].name},
          {"provider", std::get<std::string>(pipeline.params[index].at("provider"))}};
  }
  provenance["nodes"] = nodes;
  if (const Json generation = Json::parse(generation_json, nullptr, false); generation.is_object())
    provenance["generation"] = generation;
  return provenance.dump();
}

class Attempt {
 public:
  Attempt(const Pipeline& pipeline, const std::vector<Value>& inputs, const ExecuteOptions& options)
      : pipeline_(pipeline), inputs_(inputs), options_(options) {
    const std::size_t count = pipeline.ops.size();
    keys_.resize(count);
    records_.resize(count);
    outputs_.resize(count);
    needed_.assign(count, false);
    cached_.assign(count, false);
    waiting_.assign(count, 0);
    readers_left_.assign(count, 0);
    consumers_.resize(count);
    provenance_ = provenance_for(pipeline, inputs, options.generation_json);
    for (std::size_t i = 0; i < count; ++i) {
      records_[i].name = pipeline.document.nodes[i].name;
      records_[i].op = pipeline.ops[i]->name;
    }
  }

  Status run() {
    compute_keys();
    plan();
    std::vector<std::thread> workers;
    const int jobs = std::max(1, options_.jobs);
    for (int i = 0; i < jobs; ++i) workers.emplace_back([this] { work(); });
    for (std::thread& worker : workers) worker.join();
    if (options_.cancel && options_.cancel->load()) return make_error("cancelled");
    if (!failure_.empty()) return make_error(failure_);
    return Ok{};
  }

  const std::vector<NodeRecord>& records() const { return records_; }
  const Values& outputs(int node) const { return outputs_[node]; }
  const std::string& provenance() const { return provenance_; }
  std::vector<std::string> warnings() const {
    std::lock_guard lock(mutex_);
    return warnings_;
  }

 private:
  const Value& source_value(const Edge& edge) const {
    static const Value kEmpty;
    if (edge.node < 0) return inputs_[edge.input];
    const auto found = outputs_[edge.node].find(edge.port);
    return found == outputs_[edge.node].end() ? kEmpty : found->second;
  }

  void compute_keys() {
    for (int index : pipeline_.order) {
      const OpSpec& op = *pipeline_.ops[index];
      std::string recipe =
          std::string(kKeyRecipe) + "\nop " + op.name + " " + std::to_string(op.version) + "\n";
      for (const auto& [name, value] : pipeline_.params[index])
        recipe += "param " + name + "=" + canonical(value) + "\n";
      for (const auto& [port, edge] : pipeline_.inputs[index]) {
        const std::string source = edge.node < 0 ? "file:" + inputs_[edge.input].file()->sha256
                                                 : keys_[edge.node] + "." + edge.port;
        recipe += "input " + port + "=" + source + "\n";
      }
      if (op.writes_provenance) recipe += "provenance " + provenance_ + "\n";
      keys_[index] = sha256_hex(as_bytes(recipe));
      records_[index].key = keys_[index];
    }
  }

  // Which nodes must produce values: those whose outputs are written or read by no one
  // (a gate that fails the job), and, for every such node not in the cache, its sources.
  void plan() {
    const std::size_t count = pipeline_.ops.size();
    std::vector<bool> has_reader(count, false);
    for (std::size_t i = 0; i < count; ++i)
      for (const auto& [port, edge] : pipeline_.inputs[i])
        if (edge.node >= 0) has_reader[edge.node] = true;
    std::vector<int> stack;
    for (const Edge& output : pipeline_.outputs)
      if (output.node >= 0) stack.push_back(output.node);
    for (std::size_t i = 0; i < count; ++i)
      if (!has_reader[i]) stack.push_back(int(i));
    for (const Edge& output : pipeline_.outputs)
      if (output.node >= 0) is_output_.insert(output.node);

    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      if (needed_[node]) continue;
      needed_[node] = true;
      if (options_.cache) {
        if (std::optional<Values> values = options_.cache->load(keys_[node])) {
          outputs_[node] = std::move(*values);
          cached_[node] = true;
          continue;
        }
      }
      for (const auto& [port, edge] : pipeline_.inputs[node])
        if (edge.node >= 0) stack.push_back(edge.node);
    }

    for (int node : pipeline_.order) {
      if (!needed_[node]) continue;
      if (cached_[node]) {
        records_[node].state = NodeState::Cached;
        notify(records_[node].name, NodeState::Cached);
        continue;
      }
      notify(records_[node].name, NodeState::Queued);
      std::set<int> sources;
      for (const auto& [port, edge] : pipeline_.inputs[node])
        if (edge.node >= 0) sources.insert(edge.node);
      waiting_[node] = 0;
      for (int source : sources) {
        consumers_[source].push_back(node);
        ++readers_left_[source];
        if (!finished_source(source)) ++waiting_[node];
      }
    }
    for (int node : pipeline_.order) {
      if (needed_[node] && !cached_[node] && waiting_[node] == 0) ready_.push_back(node);
    }
  }

  bool finished_source(int source) const { return cached_[source]; }

  void notify(const std::string& node, NodeState state, double fraction = 0,
              const std::string& message = {}) {
    if (!options_.observer) return;
    std::lock_guard lock(observer_mutex_);
    options_.observer(NodeEvent{node, state, fraction, message});
  }

  void work() {
    while (true) {
      int node = -1;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return !ready_.empty() || running_ == 0 || stopping(); });
        if (stopping() || ready_.empty()) {
          if (running_ == 0 || stopping()) {
            wake_.notify_all();
            return;
          }
          continue;
        }
        node = ready_.front();
        ready_.pop_front();
        ++running_;
      }
      execute(node);
      {
        std::lock_guard lock(mutex_);
        --running_;
        for (int consumer : consumers_[node])
          if (--waiting_[consumer] == 0) ready_.push_back(consumer);
        // Sources this node read are dropped once their last reader is done, except
        // what is written and the gates' small reports, which decide retries after the run.
        std::set<int> sources;
        for (const auto& [port, edge] : pipeline_.inputs[node])
          if (edge.node >= 0) sources.insert(edge.node);
        for (int source : sources) {
          if (--readers_left_[source] == 0 && !is_output_.count(source) &&
              pipeline_.ops[source]->name != kGateOp)
            outputs_[source].clear();
        }
      }
      wake_.notify_all();
    }
  }

  bool stopping() const {
    return !failure_.empty() || (options_.cancel && options_.cancel->load());
  }

  void fail(int node, const std::string& message) {
    {
      std::lock_guard lock(mutex_);
      records_[node].state = NodeState::Failed;
      if (failure_.empty()) failure_ = message;
    }
    notify(records_[node].name, NodeState::Failed, 0, message);
  }

  void execute(int node) {
    const OpSpec& op = *pipeline_.ops[node];
    const std::string& name = records_[node].name;
    const std::string what = "node '" + name + "' (" + op.name + ")";
    OpContext context;
    context.node = name;
    context.params = pipeline_.params[node];
    context.threads = options_.threads;
    context.cancel_flag = options_.cancel;
    context.provenance_json = provenance_;
    if (!inputs_.empty()) context.input_stem = inputs_.front().file()->path.stem().string();
    context.progress = [this, &name](double fraction) {
      notify(name, NodeState::Progress, fraction);
    };
    context.record_usage = [this, &name](const UsageRecord& record) {
      UsageRecord made_here = record;
      made_here.node = name;
      options_.usage(made_here);
    };
    bool skipped = false;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [port, edge] : pipeline_.inputs[node]) {
        const Value& value = source_value(edge);
        const PortSpec& spec = *std::find_if(op.inputs.begin(), op.inputs.end(),
                                             [&](const PortSpec& p) { return p.name == port; });
        if (value.empty()) {  // connected, but to a branch not taken
          skipped = true;
          continue;
        }
        if (!may_connect(value.type(), spec.type)) {
          records_[node].state = NodeState::Failed;
          if (failure_.empty())
            failure_ = what + ": input '" + port + "' wants " + to_string(spec.type) + ", got " +
                       to_string(value.type());
          return;
        }
        context.inputs[port] = value;
      }
    }
    if (skipped) {  // a branch not taken upstream: this node does not run either
      records_[node].state = NodeState::Skipped;
      notify(name, NodeState::Skipped);
      return;
    }
    notify(name, NodeState::Started);
    const Clock::time_point start = Clock::now();
    Result<Values> result = op.run(context);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!result) {
      fail(node, what + ": " + result.error().message);
      return;
    }
    for (const PortSpec& port : op.outputs) {
      if (!port.optional && !result->count(port.name)) {
        fail(node, what + ": produced no '" + port.name + "' output");
        return;
      }
    }
    if (options_.cache) options_.cache->store(keys_[node], *result);
    std::lock_guard lock(mutex_);
    for (const auto& [port, value] : *result)
      if (const Report* report = value.report())
        for (const std::string& warning : report->warnings)
          warnings_.push_back(name + ": " + warning);
    outputs_[node] = std::move(*result);
    records_[node].state = NodeState::Finished;
    records_[node].seconds = seconds;
    notify(name, NodeState::Finished);
  }

  const Pipeline& pipeline_;
  const std::vector<Value>& inputs_;
  const ExecuteOptions& options_;
  std::string provenance_;
  std::vector<std::string> keys_;
  std::vector<NodeRecord> records_;
  std::vector<Values> outputs_;
  std::vector<bool> needed_, cached_;
  std::vector<int> waiting_, readers_left_;
  std::vector<std::vector<int>> consumers_;
  std::set<int> is_output_;
  std::deque<int> ready_;
  int running_ = 0;
  std::string failure_;
  std::vector<std::string> warnings_;
  mutable std::mutex mutex_;
  std::mutex observer_mutex_;
  std::condition_variable wake_;
};

// A gate that failed with on_fail: retry, as the overrides to apply before the next
// attempt ("node.param=value"); empty when no gate asks for a retry.
std::vector<std::string> retry_overrides(const Pipeline& pipeline, const Attempt& attempt) {
  std::vector<std::string> overrides;
  for (std::size_t i = 0; i < pipeline.ops.size(); ++i) {
    if (pipeline.ops[i]->name != kGateOp) continue;
    const NodeRecord& record = attempt.records()[i];
    if (record.state != NodeState::Finished && record.state != NodeState::Cached) continue;
    const auto pass = attempt.outputs(int(i)).find("pass");
    if (pass != attempt.outputs(int(i)).end() && !pass->second.empty()) continue;
    const Params& params = pipeline.params[i];
    if (std::get<std::string>(params.at("on_fail")) != "retry") continue;
    const std::string& node = std::get<std::string>(params.at("retry_node"));
    std::stringstream assignments(std::get<std::string>(params.at("retry_set")));
    for (std::string assignment; std::getline(assignments, assignment, ';');) {
      if (assignment.find_first_not_of(" ") == std::string::npos) continue;
      overrides.push_back(node + "." + assignment.substr(assignment.find_first_not_of(" ")));
    }
  }
  return overrides;
}

}  // namespace

const char* to_string(NodeState state) {
  switch (state) {
    case NodeState::Queued:
      return "queued";
    case NodeState::Started:
      return "started";
    case NodeState::Progress:
      return "progress";
    case NodeState::Finished:
      return "finished";
    case NodeState::Cached:
      return "cached";
    case NodeState::Skipped:
      return "skipped";
    case NodeState::Failed:
      return "failed";
  }
  return "?";
}

Result<PipelineRun> execute_pipeline(const Pipeline& pipeline,
                                     const std::vector<std::filesystem::path>& inputs,
                                     const ExecuteOptions& options) {
  const Clock::time_point start = Clock::now();
  const PipelineDocument& document = pipeline.document;
  if (inputs.size() != document.inputs.size())
    return make_error("pipeline '" + document.name + "' takes " +
                      std::to_string(document.inputs.size()) + " input file(s), got " +
                      std::to_string(inputs.size()));
  std::vector<Value> input_values;
  for (const std::filesystem::path& path : inputs) {
    Result<Bytes> bytes = read_file(path);
    if (!bytes) return bytes.error();
    input_values.emplace_back(InputFile{path, sha256_hex(*bytes)});
  }

  // Every attempt's calls, handed on as they are made.
  std::mutex usage_mutex;
  std::vector<UsageRecord> usage;
  ExecuteOptions attempt_options = options;
  attempt_options.usage = [&](const UsageRecord& record) {
    std::lock_guard lock(usage_mutex);
    usage.push_back(record);
    if (options.usage) options.usage(record);
  };

  // Each retry is a new attempt of the changed pipeline: the nodes it did not change
  // come from the cache.
  std::optional<Pipeline> retried;
  std::vector<std::string> overrides;
  std::vector<int> retries(pipeline.ops.size(), 0);
  while (true) {
    const Pipeline& current = retried ? *retried : pipeline;
    Attempt attempt(current, input_values, attempt_options);
    if (Status status = attempt.run(); !status) {
      if (options.cancel && options.cancel->load()) return make_error("cancelled");
      return status.error();
    }
    std::vector<std::string> more = retry_overrides(current, attempt);
    for (std::size_t i = 0; i < current.ops.size() && !more.empty(); ++i) {
      if (current.ops[i]->name != kGateOp) continue;
      const auto pass = attempt.outputs(int(i)).find("pass");
      if (pass != attempt.outputs(int(i)).end() && !pass->second.empty()) continue;
      if (std::get<std::string>(current.params[i].at("on_fail")) != "retry") continue;
      if (++retries[i] > std::get<std::int64_t>(current.params[i].at("max_retries"))) {
        const Value& failed = attempt.outputs(int(i)).at("fail");
        return make_error("gate '" + document.nodes[i].name + "' still fails after " +
                          std::to_string(retries[i] - 1) +
                          " retries: " + (failed.report() ? failed.report()->details_json : ""));
      }
    }
    if (!more.empty()) {
      overrides.insert(overrides.end(), more.begin(), more.end());
      PipelineDocument changed = document;
      for (const std::string& assignment : overrides) {
        if (Status applied = apply_override(changed, assignment); !applied) return applied.error();
      }
      Result<Pipeline> checked = check_pipeline(std::move(changed));
      if (!checked) return with_context("gate retry", checked.error());
      retried = std::move(*checked);
      continue;
    }

    PipelineRun run;
    run.nodes = attempt.records();
    run.warnings = attempt.warnings();
    run.usage = usage;
    run.provenance_json = attempt.provenance();
    for (const Edge& output : current.outputs) {
      if (output.node < 0) {
        run.outputs.push_back(input_values[output.input]);
        continue;
      }
      const Values& values = attempt.outputs(output.node);
      const auto found = values.find(output.port);
      run.outputs.push_back(found == values.end() ? Value() : found->second);
    }
    for (std::size_t i = 0; i < current.ops.size(); ++i) {
      if (current.ops[i]->name != kGateOp) continue;
      GateRecord gate;
      gate.node = document.nodes[i].name;
      gate.retries = retries[i];
      const Values& values = attempt.outputs(int(i));
      for (const char* port : {"pass", "fail"}) {
        const auto found = values.find(port);
        if (found == values.end() || found->second.empty()) continue;
        gate.passed = std::string(port) == "pass";
        gate.details_json = found->second.report()->details_json;
      }
      run.gates.push_back(gate);
    }
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return run;
  }
}

Result<std::vector<std::filesystem::path>> write_outputs(const Pipeline& pipeline,
                                                         const PipelineRun& run,
                                                         const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::create_directories(directory, error) && error)
    return make_error(directory.string() + ": cannot create the folder: " + error.message());
  std::vector<std::filesystem::path> written;
  const auto write = [&](const std::string& name, ByteView bytes) -> Status {
    const std::filesystem::path path = directory / name;
    if (Status status = write_file_atomic(path, bytes); !status) return status;
    written.push_back(path);
    return Ok{};
  };
  Json outputs = Json::object();
  for (std::size_t i = 0; i < run.outputs.size(); ++i) {
    const std::string& name = pipeline.document.outputs[i].name;
    const Value& value = run.outputs[i];
    Json files = Json::array();
    if (const FileSet* set = value.files()) {
      for (const OutputFile& file : *set) {
        if (Status status = write(file.name, file.bytes); !status) return status.error();
        files.push_back(file.name);
      }
    } else if (const Report* report = value.report()) {
      Json json = {{"metrics", report->metrics},
                   {"details", Json::parse(report->details_json, nullptr, false)},
                   {"warnings", report->warnings}};
      if (Status status = write(name + ".json", as_bytes(json.dump(2) + "\n")); !status)
        return status.error();
      files.push_back(name + ".json");
    } else if (const Image* image = value.image()) {
      if (Status status = write(name + ".png", encode_png(*image)); !status) return status.error();
      files.push_back(name + ".png");
    }
    outputs[name] = files;
  }
  Json nodes = Json::array();
  for (const NodeRecord& node : run.nodes) {
    nodes.push_back(
        {{"name", node.name},
         {"op", node.op},
         {"state", node.state == NodeState::Queued ? "not needed" : to_string(node.state)},
         {"seconds", node.seconds},
         {"key", node.key}});
  }
  Json gates = Json::array();
  for (const GateRecord& gate : run.gates) {
    gates.push_back({{"node", gate.node},
                     {"passed", gate.passed},
                     {"retries", gate.retries},
                     {"details", Json::parse(gate.details_json, nullptr, false)}});
  }
  const Json report = {{"pipeline", pipeline.document.name},
                       {"seconds", run.seconds},
                       {"outputs", outputs},
                       {"nodes", nodes},
                       {"gates", gates},
                       {"warnings", run.warnings},
                       {"usage", Json::parse(usage_report_json(run.usage))},
                       {"provenance", Json::parse(run.provenance_json, nullptr, false)}};
  if (Status status = write("pipeline_report.json", as_bytes(report.dump(2) + "\n")); !status)
    return status.error();
  return written;
}

}  // namespace atlas::pipeline
