#pragma once
// preview.png of a package: the source and each level of detail from the same cameras.

#include <cstddef>
#include <filesystem>
#include <vector>

#include "asset/image.h"
#include "core/file_io.h"
#include "core/result.h"

namespace atlas::pipeline {

// The renders a preview shows, as indices into fidelity_cameras(): its first four
// quarter turns. Callers that render only for a preview need only these.
inline constexpr std::size_t kPreviewViews[] = {0, 2, 4, 6};

// A contact sheet with one row for the source and one a level, a view of kPreviewViews
// a column (indices into each row's renders), each halved in size, encoded as PNG.
// Renders are composited over white. A row without renders (no source) is left out.
Result<Bytes> encode_preview(const std::vector<Image>& source_views,
                             const std::vector<std::vector<Image>>& level_views);

// encode_preview written to `path`.
Status write_preview(const std::filesystem::path& path, const std::vector<Image>& source_views,
                     const std::vector<std::vector<Image>>& level_views);

}  // namespace atlas::pipeline
