#pragma once
// What a job's `pipeline` names: a preset ("mobile") or a whole pipeline document (YAML
// or JSON text), with the job's parameter overrides. The API checks both when the job is
// submitted, so a client hears about a bad document or value at once (400), and the
// worker loads them again when the job runs.

#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/document.h"

namespace atlas::service {

// The `overrides` of POST /v1/jobs as JSON text: an object mapping a setting's name
// ("triangles") or a node's parameter ("surface.watertight") to a bool, a number, a string
// or an array of numbers. Returns the assignments pipeline::apply_override takes
// ("triangles=5000", "lods.ratios=1,0.5"), or an error naming the entry
// ("overrides: lods.ratios: ...").
Result<std::vector<std::string>> override_assignments(const std::string& overrides_json);

// Loads and checks the preset or document, with the overrides (as above) applied in the
// order the object lists them, so a setting and then one of its parameters differ and
// are refused, as `atlas run --set` refuses them. Errors
// name the preset, or say "pipeline" with the line and column of the problem, or start
// "overrides:" when a value the overrides gave is wrong.
Result<pipeline::Pipeline> load_job_pipeline(const std::string& preset_or_document,
                                             const std::string& overrides_json = "{}");

}  // namespace atlas::service
