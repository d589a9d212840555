#pragma once
// Runs independent pieces of work (image bands, tiles, chunks) on several threads.

#include <functional>

namespace atlas {

// Calls body(i) once for every i in [0, count), on up to `threads` threads (0: all
// hardware threads, 1: on the calling thread, in order). Returns when all calls are done.
// TBB stays out of this header: it is included widely.
void parallel_for_index(int count, int threads, const std::function<void(int)>& body);

}  // namespace atlas
