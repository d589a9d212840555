#pragma once
// ATLAS_WIDE_VECTORS marks a hot, vectorisable function to be built twice on x86-64,
// for baseline SSE2 and for AVX2, with the loader picking what the CPU runs: Debian
// builds for baseline x86-64, where the compiler's vectors are half as wide. FMA stays
// off in both, so every build computes the same bits.

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ATLAS_WIDE_VECTORS __attribute__((target_clones("avx2", "default")))
#else
#define ATLAS_WIDE_VECTORS
#endif
