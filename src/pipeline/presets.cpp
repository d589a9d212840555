#include "pipeline/presets.h"

#include <algorithm>
#include <map>

#include "pipeline/document.h"

namespace atlas::pipeline {
namespace {

// name -> text, generated from presets/*.yaml by cmake/EmbedPresets.cmake.
const std::map<std::string, std::string>& presets() {
  static const std::map<std::string, std::string> texts = {
#include "preset_texts.inc"
  };
  return texts;
}

}  // namespace

const std::string* find_preset(const std::string& name) {
  const auto found = presets().find(name);
  return found == presets().end() ? nullptr : &found->second;
}

std::vector<PresetInfo> list_presets() {
  std::vector<PresetInfo> list;
  for (const auto& [name, text] : presets()) {
    Result<PipelineDocument> document = parse_pipeline(text, name);
    list.push_back({name, document ? document->description : document.error().message});
  }
  return list;
}

}  // namespace atlas::pipeline
