#pragma once
// The pipelines shipped with Atlas (presets/*.yaml, built into the program), found by
// name: `atlas run mobile model.spz -o out`. Users copy one and change it.

#include <string>
#include <vector>

namespace atlas::pipeline {

struct PresetInfo {
  std::string name;
  std::string description;  // the document's description
};

// The preset's document text, or null when there is no preset of that name.
const std::string* find_preset(const std::string& name);

// Every preset, sorted by name.
std::vector<PresetInfo> list_presets();

}  // namespace atlas::pipeline
