#include "service/job_pipeline.h"

#include "pipeline/presets.h"

namespace atlas::service {

Result<pipeline::Pipeline> load_job_pipeline(const std::string& preset_or_document) {
  if (pipeline::find_preset(preset_or_document) != nullptr)
    return pipeline::load_pipeline(preset_or_document);
  // A single word that is not a preset was meant as one: say so rather than report it as
  // a malformed document.
  if (preset_or_document.find_first_of(":\n{") == std::string::npos)
    return make_error("pipeline: there is no preset named '" + preset_or_document +
                      "' (GET /v1/presets lists them)");
  auto document = pipeline::parse_pipeline(preset_or_document, "pipeline");
  if (!document) return document.error();
  return pipeline::check_pipeline(std::move(document.value()));
}

}  // namespace atlas::service
