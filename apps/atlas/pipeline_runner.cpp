#include "pipeline_runner.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "commands.h"
#include "pipeline/executor.h"
#include "provider_setup.h"

namespace atlas::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> interrupt_flag{false};

bool uses_remote_provider(const pipeline::Pipeline& pipeline) {
  return std::any_of(pipeline.ops.begin(), pipeline.ops.end(), [](const auto* op) {
    return op->name == "generate" || op->name == "http_model";
  });
}

}  // namespace

std::atomic<bool>& interrupted() { return interrupt_flag; }

void catch_interrupts() {
  std::signal(SIGINT, [](int) { interrupt_flag = true; });
}

int interrupted_exit() {
  fail("interrupted");
  return 130;
}

std::vector<fs::path> expand_input(const std::string& argument) {
  std::error_code error;
  if (fs::is_directory(argument, error)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argument, error))
      if (entry.is_regular_file(error)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
  }
  if (argument.find_first_of("*?[") != std::string::npos) {
    glob_t matches{};
    std::vector<fs::path> files;
    if (glob(argument.c_str(), 0, nullptr, &matches) == 0)
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
    if (!files.empty()) return files;
  }
  return {argument};
}

namespace {

struct InputOutcome {
  fs::path input;
  fs::path output_dir;
  std::string error;
  double seconds = 0;
  std::size_t cached = 0, ran = 0;
};

}  // namespace

int run_pipeline(const PipelineRunOptions& options) {
  auto pipeline = pipeline::load_pipeline(options.pipeline, options.overrides);
  if (!pipeline) return fail(pipeline.error().message);
  if (pipeline->document.inputs.size() != 1)
    return fail(options.pipeline + ": `atlas run` feeds one file a run; this pipeline takes " +
                std::to_string(pipeline->document.inputs.size()));
  std::vector<fs::path> inputs;
  for (const std::string& argument : options.inputs)
    for (fs::path& path : expand_input(argument)) inputs.push_back(std::move(path));
  if (inputs.empty()) return fail("no input files");

  std::optional<pipeline::NodeCache> cache;
  if (!options.no_cache) {
    const fs::path dir = options.cache_dir.empty() ? pipeline::NodeCache::default_directory()
                                                   : fs::path(options.cache_dir);
    cache.emplace(dir, static_cast<std::uint64_t>(options.cache_limit_gb * 1e9));
  }
  if (uses_remote_provider(*pipeline))
    if (Status registered = register_configured_providers(std::nullopt); !registered)
      return fail(registered.error().message);
  catch_interrupts();

  // One input: its independent nodes run in parallel. A batch: that many inputs at once.
  const bool batch = inputs.size() > 1;
  // A batch writes each input into a folder named after it: its stem, or its whole name
  // when another input has the same stem (a.ply and a.spz).
  std::map<fs::path, int> stems;
  for (const fs::path& input : inputs) ++stems[input.stem()];
  const auto folder_for = [&](const fs::path& input) {
    return stems[input.stem()] > 1 ? input.filename() : input.stem();
  };
  const int jobs = std::max(1, options.jobs);
  const bool terminal = isatty(STDERR_FILENO);
  std::mutex print;
  std::vector<InputOutcome> outcomes(inputs.size());
  std::atomic<std::size_t> next{0};
  std::size_t inputs_done = 0;
  const auto worker = [&] {
    for (std::size_t i = next++; i < inputs.size(); i = next++) {
      InputOutcome& outcome = outcomes[i];
      outcome.input = inputs[i];
      outcome.output_dir = batch ? fs::path(options.output_dir) / folder_for(inputs[i])
                                 : fs::path(options.output_dir);
      const std::string label = inputs[i].filename().string();
      std::size_t done = 0;
      const std::size_t total = pipeline->ops.size();
      pipeline::ExecuteOptions execute;
      execute.jobs = batch ? 1 : jobs;
      execute.cache = cache ? &*cache : nullptr;
      execute.cancel = &interrupted();
      execute.generation_json = options.generation_json;
      execute.observer = [&](const pipeline::NodeEvent& event) {
        using pipeline::NodeState;
        if (event.state == NodeState::Progress || event.state == NodeState::Queued) return;
        if (event.state != NodeState::Started) ++done;
        if (terminal && batch) return;  // a batch on a terminal: one bar for the inputs
        std::lock_guard lock(print);
        if (terminal) {
          const int filled = int(20 * done / std::max<std::size_t>(total, 1));
          std::fprintf(stderr, "\r  %s [%s%s] %zu/%zu %-16s", label.c_str(),
                       std::string(filled, '#').c_str(), std::string(20 - filled, '-').c_str(),
                       done, total, event.node.c_str());
        } else {
          std::fprintf(stderr, "%s: %s %s%s%s\n", label.c_str(), event.node.c_str(),
                       pipeline::to_string(event.state), event.message.empty() ? "" : ": ",
                       event.message.c_str());
        }
      };
      std::vector<pipeline::UsageRecord> usage;  // kept to name the charges of a failed run
      execute.usage = [&usage](const pipeline::UsageRecord& record) { usage.push_back(record); };
      auto result = pipeline::execute_pipeline(*pipeline, {inputs[i]}, execute);
      if (result) {
        outcome.seconds = result->seconds;
        for (const pipeline::NodeRecord& node : result->nodes) {
          outcome.cached += node.state == pipeline::NodeState::Cached;
          outcome.ran += node.state == pipeline::NodeState::Finished;
        }
        auto written = pipeline::write_outputs(*pipeline, *result, outcome.output_dir);
        if (!written) outcome.error = written.error().message;
        std::lock_guard lock(print);
        for (const std::string& warning : result->warnings)
          std::fprintf(stderr, "%satlas: %s: warning: %s\n", terminal ? "\n" : "", label.c_str(),
                       warning.c_str());
      } else {
        outcome.error = result.error().message;
        std::lock_guard lock(print);
        for (const pipeline::UsageRecord& call : usage)
          std::fprintf(
              stderr, "%satlas: %s: node '%s' called %s (%s, task %s): %.4g %s billed by %s\n",
              terminal ? "\n" : "", label.c_str(), call.node.c_str(), call.provider.c_str(),
              call.model.c_str(), call.task_id.empty() ? "unknown" : call.task_id.c_str(),
              call.cost, call.currency.c_str(), call.billed_by.c_str());
      }
      if (terminal && batch) {
        std::lock_guard lock(print);
        const std::size_t finished = ++inputs_done;
        const int filled = int(20 * finished / inputs.size());
        std::fprintf(stderr, "\r  [%s%s] %zu/%zu inputs, last: %s %s   ",
                     std::string(filled, '#').c_str(), std::string(20 - filled, '-').c_str(),
                     finished, inputs.size(), label.c_str(),
                     outcome.error.empty() ? "ok" : "failed");
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < (batch ? std::min<int>(jobs, int(inputs.size())) : 1); ++t)
    threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  if (terminal) std::fprintf(stderr, "\n");

  int failed = 0;
  std::printf("%-32s %-7s %9s %7s %7s  %s\n", "input", "status", "seconds", "ran", "cached",
              "output");
  for (const InputOutcome& outcome : outcomes) {
    const bool ok = outcome.error.empty();
    failed += !ok;
    std::printf("%-32s %-7s %9.2f %7zu %7zu  %s\n", outcome.input.filename().string().c_str(),
                ok ? "ok" : "failed", outcome.seconds, outcome.ran, outcome.cached,
                ok ? outcome.output_dir.string().c_str() : outcome.error.c_str());
  }
  if (interrupted()) return interrupted_exit();
  return failed ? 1 : 0;
}

}  // namespace atlas::cli
