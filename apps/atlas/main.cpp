// atlas: the command-line front end of the engine.

#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"

namespace atlas::cli {

int fail(const std::string& message) {
  std::cerr << "atlas: " << message << "\n";
  return 1;
}

}  // namespace atlas::cli

int main(int argc, char** argv) {
  CLI::App app{
      "Atlas: turns 404 generations and other 3D files into production-ready assets.\n"
      "Powered by 404 (Bittensor subnet 17)."};
  app.set_version_flag("--version", "atlas 0.1.0");
  app.require_subcommand(1);
  atlas::cli::Action run;
  atlas::cli::add_info_command(app, run);
  atlas::cli::add_convert_command(app, run);
  atlas::cli::add_render_command(app, run);
  atlas::cli::add_run_command(app, run);
  atlas::cli::add_compare_command(app, run);
  atlas::cli::add_pipeline_commands(app, run);
  atlas::cli::add_generate_command(app, run);
  atlas::cli::add_serve_commands(app, run);
  atlas::cli::add_worker_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 prints the problem; every usage error exits with 2, help and version with 0.
    return app.exit(error) == 0 ? 0 : 2;
  }
  return run();
}
