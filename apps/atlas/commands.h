#pragma once
// The `atlas` subcommands. Each add_*_command registers its options on the app and
// sets `run` to the action; the action returns the process exit code.

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace atlas::cli {

using Action = std::function<int()>;

void add_info_command(CLI::App& app, Action& run);
void add_convert_command(CLI::App& app, Action& run);
void add_render_command(CLI::App& app, Action& run);
void add_run_command(CLI::App& app, Action& run);
void add_compare_command(CLI::App& app, Action& run);
void add_pipeline_commands(CLI::App& app, Action& run);  // pipeline, ops, presets
void add_generate_command(CLI::App& app, Action& run);
void add_serve_commands(CLI::App& app, Action& run);  // serve, keys, tenants
void add_worker_command(CLI::App& app, Action& run);

// Prints "atlas: <message>" on stderr and returns the failure exit code (1).
int fail(const std::string& message);

}  // namespace atlas::cli
