#pragma once
// The game-ready package: a splat or a mesh in, a shippable textured mesh with a LOD
// chain, a fidelity report and a preview out. One fixed sequence of steps:
//
//   load -> place (pivot at bottom centre, metres, optional height)
//        -> surface (splats: density field + surface nets; meshes: the input merged)
//        -> clean-up -> settle (splats: placed again by the cleaned surface's bounds)
//        -> reduce to the LOD0 budget -> UV atlas -> bake colour + normals
//        -> LOD chain (sharing LOD0's atlas where LOD0's seams allow the budget, else
//           reduced from LOD0's surface with an atlas of its own)
//        -> export GLBs -> fidelity -> report + preview
//
// Files written into the output folder:
//   <name>.glb          all levels in one file (MSFT_lod with screen-coverage hints)
//   <name>_lod<i>.glb   one file a level
//   <name>_vertex_colors.glb  LOD0 with vertex colours and no textures (on request)
//   <name>_dense.glb    the cleaned dense surface with vertex colours (on request)
//   report.json, preview.png

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace atlas::pipeline {

enum class TextureFormat { Png, Jpeg };

struct GameReadyOptions {
  std::size_t triangles = 20000;                   // LOD0 budget
  std::vector<float> lod_ratios{1, 0.25f, 0.06f};  // of LOD0's budget, first must be 1
  int texture_size = 1024;                         // colour and normal maps, power of two
  std::optional<float> height_metres;              // scale to this height; as is when absent
  bool watertight = false;                         // closed surface from splats
  TextureFormat texture_format = TextureFormat::Png;
  int jpeg_quality = 90;
  bool vertex_color_variant = false;
  // Also write the cleaned dense surface with vertex colours (<name>_dense.glb), the
  // high-poly source the baking used; for comparisons with other tools.
  bool write_dense_surface = false;
  int fidelity_size = 512;  // render side for the fidelity views
  int threads = 0;          // 0: all hardware threads
};

// Checks the options' ranges; the error says which option and why.
Status validate(const GameReadyOptions& options);

struct StepRecord {
  std::string name;
  double seconds = 0;
  std::uint64_t peak_rss_bytes = 0;  // the process's peak during the step
};

struct LodRecord {
  std::size_t triangles = 0;
  std::size_t vertices = 0;
  std::string file;
  std::uint64_t file_bytes = 0;
  double mean_iou = 0, min_iou = 0, mean_psnr = 0, mean_ssim = 0;
  double geometric_error_metres = 0;  // meshoptimizer's estimate against the level it came from
  // The level samples LOD0's atlas; otherwise it has its own atlas and smaller maps
  // (LOD0's seams kept it above its budget).
  bool shares_lod0_atlas = false;
};

struct GameReadyResult {
  std::vector<StepRecord> steps;
  std::vector<LodRecord> lods;
  std::vector<std::string> warnings;  // e.g. fidelity under the floors: a poor input
  std::filesystem::path report_path;
};

// Called when a step starts (with its name) so front ends can show progress.
using StepObserver = std::function<void(const std::string& step)>;

// Runs the package on `input` (any splat or mesh Atlas reads) into `output_dir`
// (created when missing). Errors name the file or the step that failed.
Result<GameReadyResult> run_game_ready(const std::filesystem::path& input,
                                       const std::filesystem::path& output_dir,
                                       const GameReadyOptions& options,
                                       const StepObserver& observer = {});

}  // namespace atlas::pipeline
