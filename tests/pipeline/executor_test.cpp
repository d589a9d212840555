// The executor on graphs of small test ops: parallelism bounded by jobs, the node
// cache (a warm rerun reads only what is written), failures, cancellation and branches.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "pipeline/executor.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

// A pipeline built by hand from test ops that are not in the catalogue.
class TestGraph {
 public:
  TestGraph() {
    pipeline_.document.name = "test";
    pipeline_.document.sha256 = std::string(64, '0');
    pipeline_.document.inputs.push_back({"source", ValueType::File, {}});
  }
  int add(const std::string& name, const OpSpec& op, std::map<std::string, Edge> inputs = {},
          Params params = {}) {
    const int index = int(pipeline_.ops.size());
    pipeline_.document.nodes.push_back({name, op.name, {}, {}, {}});
    pipeline_.ops.push_back(&op);
    pipeline_.params.push_back(std::move(params));
    pipeline_.inputs.push_back(std::move(inputs));
    pipeline_.order.push_back(index);
    return index;
  }
  void output(const std::string& name, int node, const std::string& port) {
    pipeline_.document.outputs.push_back({name, {}});
    pipeline_.outputs.push_back({node, -1, port, ValueType::Report});
  }
  const Pipeline& pipeline() const { return pipeline_; }

 private:
  Pipeline pipeline_;
};

Edge from(int node, const std::string& port = "out") { return {node, -1, port, ValueType::Report}; }
Edge from_input() { return {-1, 0, "", ValueType::File}; }

Report report_with(double value) {
  Report report;
  report.metrics["value"] = value;
  return report;
}

// Sums its inputs' "value" metrics plus 1; counts its runs and the most that overlap.
struct CountingOp {
  OpSpec spec;
  std::atomic<int> runs{0}, running{0}, most_at_once{0};
  explicit CountingOp(std::chrono::milliseconds work = std::chrono::milliseconds(0)) {
    spec.name = "counting";
    spec.inputs = {{"a", ValueType::Report, true, ""},
                   {"b", ValueType::Report, true, ""},
                   {"file", ValueType::File, true, ""}};
    spec.outputs = {{"out", ValueType::Report, false, ""}};
    spec.run = [this, work](const OpContext& context) -> Result<Values> {
      ++runs;
      const int now = ++running;
      for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(work);
      double sum = 1;
      for (const char* port : {"a", "b"})
        if (const Value* value = context.input(port)) sum += value->report()->metrics.at("value");
      --running;
      return Values{{"out", Value(report_with(sum))}};
    };
  }
};

std::filesystem::path input_file() {
  const std::filesystem::path path = test::scratch_dir() / "input.txt";
  EXPECT_TRUE(write_file_atomic(path, Bytes{'a', 't', 'l', 'a', 's'}));
  return path;
}

TEST(Executor, IndependentNodesRunTogetherUpToJobs) {
  for (int jobs : {1, 2}) {
    CountingOp op(std::chrono::milliseconds(100));
    TestGraph graph;
    const int left = graph.add("left", op.spec);
    const int right = graph.add("right", op.spec);
    const int sum = graph.add("sum", op.spec, {{"a", from(left)}, {"b", from(right)}});
    graph.output("total", sum, "out");
    ExecuteOptions options;
    options.jobs = jobs;
    Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {input_file()}, options);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->outputs[0].report()->metrics.at("value"), 3);
    EXPECT_EQ(op.runs, 3);
    EXPECT_EQ(op.most_at_once, jobs);
  }
}

TEST(Executor, WarmCacheReadsOnlyTheWrittenNodes) {
  CountingOp op;
  TestGraph graph;
  const int first = graph.add("first", op.spec, {{"file", from_input()}});
  const int second = graph.add("second", op.spec, {{"a", from(first)}});
  graph.output("value", second, "out");
  NodeCache cache(test::scratch_dir() / "cache", 1 << 20);
  ExecuteOptions options;
  options.cache = &cache;
  const std::filesystem::path input = input_file();

  Result<PipelineRun> cold = execute_pipeline(graph.pipeline(), {input}, options);
  ASSERT_TRUE(cold) << cold.error().message;
  EXPECT_EQ(op.runs, 2);
  Result<PipelineRun> warm = execute_pipeline(graph.pipeline(), {input}, options);
  ASSERT_TRUE(warm) << warm.error().message;
  EXPECT_EQ(op.runs, 2);
  EXPECT_EQ(warm->nodes[first].state, NodeState::Queued);  // not needed at all
  EXPECT_EQ(warm->nodes[second].state, NodeState::Cached);
  EXPECT_EQ(warm->outputs[0].report()->metrics, cold->outputs[0].report()->metrics);

  // Other input bytes are another key.
  ASSERT_TRUE(write_file_atomic(input, Bytes{'4', '0', '4'}));
  ASSERT_TRUE(execute_pipeline(graph.pipeline(), {input}, options));
  EXPECT_EQ(op.runs, 4);
}

TEST(Executor, AFailureNamesTheNodeAndStopsTheRest) {
  CountingOp counting;
  OpSpec broken;
  broken.name = "broken";
  broken.outputs = {{"out", ValueType::Report, false, ""}};
  broken.run = [](const OpContext&) -> Result<Values> { return make_error("out of ideas"); };
  TestGraph graph;
  const int bad = graph.add("bad", broken);
  const int after = graph.add("after", counting.spec, {{"a", from(bad)}});
  graph.output("value", after, "out");
  Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {input_file()}, {});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "node 'bad' (broken): out of ideas");
  EXPECT_EQ(counting.runs, 0);
}

TEST(Executor, MissingOutputPortIsAnError) {
  OpSpec silent;
  silent.name = "silent";
  silent.outputs = {{"out", ValueType::Report, false, ""}};
  silent.run = [](const OpContext&) -> Result<Values> { return Values{}; };
  TestGraph graph;
  graph.output("value", graph.add("quiet", silent), "out");
  Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {input_file()}, {});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "node 'quiet' (silent): produced no 'out' output");
}

TEST(Executor, CancellationStopsBeforeTheNextNode) {
  std::atomic<bool> cancel{false};
  CountingOp counting;
  OpSpec cancelling;
  cancelling.name = "cancelling";
  cancelling.outputs = {{"out", ValueType::Report, false, ""}};
  cancelling.run = [&](const OpContext& context) -> Result<Values> {
    cancel = true;
    if (context.cancelled()) return make_error("cancelled");
    return Values{};
  };
  TestGraph graph;
  const int first = graph.add("first", cancelling);
  graph.output("value", graph.add("second", counting.spec, {{"a", from(first)}}), "out");
  ExecuteOptions options;
  options.cancel = &cancel;
  Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {input_file()}, options);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "cancelled");
  EXPECT_EQ(counting.runs, 0);
}

TEST(Executor, ABranchNotTakenSkipsItsNodes) {
  CountingOp counting;
  OpSpec chooser;
  chooser.name = "chooser";
  chooser.outputs = {{"yes", ValueType::Report, true, ""}, {"no", ValueType::Report, true, ""}};
  chooser.run = [](const OpContext&) -> Result<Values> {
    return Values{{"yes", Value(report_with(1))}, {"no", Value()}};
  };
  TestGraph graph;
  const int choose = graph.add("choose", chooser);
  const int taken = graph.add("taken", counting.spec, {{"a", from(choose, "yes")}});
  const int skipped = graph.add("skipped", counting.spec, {{"a", from(choose, "no")}});
  graph.output("taken", taken, "out");
  graph.output("skipped", skipped, "out");
  Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {input_file()}, {});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->nodes[taken].state, NodeState::Finished);
  EXPECT_EQ(run->nodes[skipped].state, NodeState::Skipped);
  EXPECT_EQ(run->outputs[0].report()->metrics.at("value"), 2);
  EXPECT_TRUE(run->outputs[1].empty());
  EXPECT_EQ(counting.runs, 1);
}

TEST(Executor, ProgressEventsArriveInOrderForEachNode) {
  CountingOp op;
  TestGraph graph;
  graph.output("value", graph.add("only", op.spec), "out");
  std::vector<NodeState> states;
  ExecuteOptions options;
  options.observer = [&](const NodeEvent& event) { states.push_back(event.state); };
  ASSERT_TRUE(execute_pipeline(graph.pipeline(), {input_file()}, options));
  EXPECT_EQ(states,
            (std::vector<NodeState>{NodeState::Queued, NodeState::Started, NodeState::Finished}));
}

TEST(Executor, MissingInputFileIsNamed) {
  CountingOp op;
  TestGraph graph;
  graph.output("value", graph.add("only", op.spec), "out");
  Result<PipelineRun> run = execute_pipeline(graph.pipeline(), {"/nonexistent/x.ply"}, {});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message.find("/nonexistent/x.ply"), std::string::npos);
}

}  // namespace
}  // namespace atlas::pipeline
