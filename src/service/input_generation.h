#pragma once
// Turns a job input's generation request into the file the pipeline reads: the worker
// asks the registered remote provider (the 404 gateway by default) before the pipeline
// runs, so a job can start from a prompt or a picture.

#include <atomic>
#include <filesystem>

#include "core/result.h"
#include "pipeline/remote_provider.h"
#include "service/job_input.h"

namespace atlas::service {

// Generates what `request` asks for and writes the asset into `directory` (created when
// missing) as generated.<ext>: the file the provider sent (its own format, e.g. spz or
// glb), or the value it decoded saved as spz (splats) or glb (meshes). `image_file` is the
// uploaded picture for image-to-3D (ignored for a prompt). Every call the provider makes
// goes to `usage`. Fails naming the provider and what it answered, or "cancelled" once
// `cancel` is set.
Result<std::filesystem::path> generate_input(const GenerationRequest& request,
                                             const std::filesystem::path& image_file,
                                             const std::filesystem::path& directory,
                                             const std::atomic<bool>& cancel,
                                             const pipeline::RemoteProgress& progress,
                                             const pipeline::UsageSink& usage);

}  // namespace atlas::service
