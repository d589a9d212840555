#pragma once
// Runs independent pieces of a render on several threads. Private to the renderers.

#include <functional>

namespace atlas::render {

// Calls body(i) once for every i in [0, count), on up to `threads` threads (0: all
// hardware threads, 1: on the calling thread, in order). Returns when all calls are done.
void parallel_for_index(int count, int threads, const std::function<void(int)>& body);

}  // namespace atlas::render
