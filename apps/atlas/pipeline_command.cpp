// `atlas pipeline check|show FILE`, `atlas ops`, `atlas presets`: pipeline documents,
// the op reference and the shipped presets.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "pipeline/document.h"
#include "pipeline/presets.h"

namespace atlas::cli {

void add_pipeline_commands(CLI::App& app, Action& run) {
  auto* pipeline = app.add_subcommand("pipeline", "Check or show a pipeline document");
  pipeline->require_subcommand(1);

  auto target = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto* check = pipeline->add_subcommand("check", "Check a pipeline (file or preset name)");
  check->add_option("PIPELINE", *target, "Pipeline file or preset name")->required();
  check->add_option("--set", *overrides, "node.param=value or setting=value override (repeatable)");
  check->callback([&run, target, overrides] {
    run = [target, overrides] {
      auto loaded = pipeline::load_pipeline(*target, *overrides);
      if (!loaded) return fail(loaded.error().message);
      std::printf("%s: ok (%zu nodes, %zu settings)\n", target->c_str(), loaded->ops.size(),
                  loaded->settings.size());
      return 0;
    };
  });

  auto dot = std::make_shared<bool>(false);
  auto* show = pipeline->add_subcommand("show", "Print a pipeline's graph (text or Graphviz DOT)");
  show->add_option("PIPELINE", *target, "Pipeline file or preset name")->required();
  show->add_option("--set", *overrides, "node.param=value or setting=value override (repeatable)");
  show->add_flag("--dot", *dot, "Graphviz DOT instead of text");
  show->callback([&run, target, overrides, dot] {
    run = [target, overrides, dot] {
      auto loaded = pipeline::load_pipeline(*target, *overrides);
      if (!loaded) return fail(loaded.error().message);
      std::cout << (*dot ? pipeline::pipeline_dot(*loaded) : pipeline::describe_pipeline(*loaded));
      return 0;
    };
  });

  auto markdown = std::make_shared<bool>(false);
  auto* ops = app.add_subcommand("ops", "The reference of every pipeline op");
  ops->add_flag("--markdown", *markdown, "As Markdown (docs/ops.md)");
  ops->callback([&run, markdown] {
    run = [markdown] {
      std::cout << (*markdown ? pipeline::ops_reference_markdown()
                              : pipeline::ops_reference_text());
      return 0;
    };
  });

  auto* presets = app.add_subcommand("presets", "The pipelines shipped with Atlas");
  presets->callback([&run] {
    run = [] {
      for (const pipeline::PresetInfo& preset : pipeline::list_presets()) {
        std::printf("%-12s %s\n", preset.name.c_str(), preset.description.c_str());
        // So that `--set NAME=value` is known without opening the document.
        auto document = pipeline::parse_pipeline(*pipeline::find_preset(preset.name), preset.name);
        if (!document || document->settings.empty()) continue;
        std::string names;
        for (const pipeline::SettingDecl& setting : document->settings)
          names += (names.empty() ? "" : ", ") + setting.name;
        std::printf("%-12s settings: %s\n", "", names.c_str());
      }
      return 0;
    };
  });
}

}  // namespace atlas::cli
