// Large allocations of the programs that link this (the atlas program, and the
// benchmarks that measure what it does) go to transparent huge pages. Atlas touches tens
// to hundreds of megabytes of fresh memory per asset (decompressed payloads, splat
// arrays, density grids, encoded files), and on these virtual machines faulting that in
// 4 KiB at a time costs more than decoding it: `atlas convert` of 404-robocop's SPZ to
// PLY spent two thirds of its time in page faults. The kernel here is in the `madvise`
// THP mode, so huge pages come only to memory that asks for them.
//
// Replacing the global operator new (allowed by [replacement.functions]) keeps this in
// one place, linked into programs only: the engine libraries and the tests allocate as
// usual. Memory from aligned_alloc is released by free, which is what the standard
// library's operator delete calls, so the delete operators need no replacement.
// Sanitizer builds keep their own allocator, which must see every allocation.

#if !defined(__SANITIZE_ADDRESS__)

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kHugePage = std::size_t(2) << 20;
// Below this, the rounding to whole huge pages would waste more than it saves.
constexpr std::size_t kHugeAllocation = std::size_t(2) << 20;

void* allocate(std::size_t size) {
  if (size >= kHugeAllocation) {
    const std::size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
    if (void* memory = std::aligned_alloc(kHugePage, rounded)) {
      madvise(memory, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
      return memory;
    }
  } else if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }

#endif
