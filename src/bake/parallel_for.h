#pragma once
// Runs independent pieces of a bake on several threads. Private to the bake layer.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace atlas::bake {

// Calls body(i) once for every i in [0, count), on up to `threads` threads (0: all
// hardware threads, 1: on the calling thread, in order). An arena of the requested
// size keeps a caller's thread budget even when the process-wide scheduler is larger.
template <typename Body>
void parallel_for_index(int count, int threads, const Body& body) {
  if (count <= 0) return;
  if (threads == 1 || count == 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, count, 1),
                      [&](const tbb::blocked_range<int>& range) {
                        for (int i = range.begin(); i != range.end(); ++i) body(i);
                      });
  });
}

}  // namespace atlas::bake
