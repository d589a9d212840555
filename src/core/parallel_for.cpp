#include "core/parallel_for.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace atlas {

void parallel_for_index(int count, int threads, const std::function<void(int)>& body) {
  if (count <= 0) return;
  if (threads == 1 || count == 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  // An arena of the requested size keeps a caller's thread budget even when the
  // process-wide TBB scheduler is larger.
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, count, 1),
                      [&](const tbb::blocked_range<int>& range) {
                        for (int i = range.begin(); i != range.end(); ++i) body(i);
                      });
  });
}

}  // namespace atlas
