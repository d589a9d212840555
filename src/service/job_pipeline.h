#pragma once
// What a job's `pipeline` names: a preset ("mobile") or a whole pipeline document (YAML
// or JSON text). The API checks it when the job is submitted, so a client hears about a
// bad document at once (400), and the worker loads it again when the job runs.

#include <string>

#include "core/result.h"
#include "pipeline/document.h"

namespace atlas::service {

// Loads and checks the preset or document. Errors name the preset or say "pipeline"
// with the line and column of the problem.
Result<pipeline::Pipeline> load_job_pipeline(const std::string& preset_or_document);

}  // namespace atlas::service
