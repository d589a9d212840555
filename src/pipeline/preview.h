#pragma once
// preview.png of a package: the source and each level of detail from the same cameras.

#include <filesystem>
#include <vector>

#include "asset/image.h"
#include "core/result.h"

namespace atlas::pipeline {

// A contact sheet with one row for the source and one a level, four views a row (the
// renders at indices 0, 2, 4, 6: the first four quarter turns of fidelity_cameras()),
// each halved in size. Renders are composited over white.
Status write_preview(const std::filesystem::path& path, const std::vector<Image>& source_views,
                     const std::vector<std::vector<Image>>& level_views);

}  // namespace atlas::pipeline
