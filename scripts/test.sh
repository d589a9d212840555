#!/usr/bin/env bash
# Builds and runs every test: the test suite in Release, the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, then each fuzzer for a bounded time.
# Usage: scripts/test.sh [--quick]   (--quick: the Release suite only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build/release -j "$jobs"
ctest --test-dir build/release -j "$jobs" --output-on-failure --timeout 600
[[ "${1:-}" == "--quick" ]] && exit 0

echo "== AddressSanitizer + UBSan build and tests"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATLAS_SANITIZE=ON \
  -DATLAS_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure --timeout 1200

echo "== Fuzzers"
scripts/fuzz.sh "${ATLAS_FUZZ_SECONDS:-20}"
