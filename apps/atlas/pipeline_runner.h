#pragma once
// What `atlas run PIPELINE` and `atlas generate --pipeline` share: running a pipeline on
// files with the node cache, progress on stderr and a summary table on stdout, and
// Ctrl-C handling.

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace atlas::cli {

struct PipelineRunOptions {
  std::string pipeline;  // a preset name or a YAML/JSON file
  std::vector<std::string> inputs;
  std::string output_dir;
  std::vector<std::string> overrides;
  int jobs = 2;
  bool no_cache = false;
  std::string cache_dir;
  double cache_limit_gb = 5;
  // How the inputs were generated (see ExecuteOptions::generation_json); empty: not known.
  std::string generation_json;
};

// Set by Ctrl-C once catch_interrupts() ran; commands pass it as their cancel flag.
std::atomic<bool>& interrupted();
void catch_interrupts();
// The exit code of a command that Ctrl-C ended (the shell's code for SIGINT), after
// saying so on stderr.
int interrupted_exit();

// The files an argument names: the file itself, a folder's files (sorted, not
// recursive), or a glob's matches. Missing ones are kept so their run reports them.
std::vector<std::filesystem::path> expand_input(const std::string& argument);

// Runs the pipeline on every input (one writes into output_dir, a batch into
// output_dir/<input name>/). Registers the configured remote providers first when the
// pipeline calls one. Returns the exit code: 0, 1 when any input failed, 130 on Ctrl-C.
int run_pipeline(const PipelineRunOptions& options);

}  // namespace atlas::cli
