#pragma once
// The process's own resource use, for per-step figures in reports.

#include <cstdint>

namespace atlas {

// Peak resident set size of this process in bytes (VmHWM), or 0 when unknown.
std::uint64_t peak_rss_bytes();

// Resets the peak so the next peak_rss_bytes() covers only what follows (Linux:
// writes 5 to /proc/self/clear_refs). Returns false where that is not possible, in
// which case the peak keeps covering the whole run.
bool reset_peak_rss();

}  // namespace atlas
