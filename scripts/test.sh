#!/usr/bin/env bash
# Builds and runs every test: the whole suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, in Release the tests too slow under the sanitizers (whole
# pipelines on large inputs, the browser test), then each fuzzer for a bounded time.
# Usage: scripts/test.sh [--quick]   (--quick: the whole suite in Release only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
passed=0
run_suite() {  # BUILD_DIR TIMEOUT [CTEST_ARGS...]: runs ctest there, adds its count to $passed
  local dir=$1 timeout=$2 log
  shift 2
  log=$(mktemp)
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure --no-tests=error --timeout "$timeout" \
    "$@" | tee "$log"
  local count
  count=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
  rm -f "$log"
  [[ -n "$count" ]] || { echo "no test count in $dir's ctest output"; exit 1; }
  passed=$((passed + count))
}

echo "== Release build and tests"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DATLAS_BUILD_TESTS=ON \
  -DATLAS_BUILD_BENCHMARKS=ON > /dev/null
if [[ "${1:-}" == "--quick" ]]; then
  cmake --build build/release -j "$jobs"
  run_suite build/release 600
  echo "tests: $passed passed, 0 failed"
  exit 0
fi
# The whole suite runs under the sanitizers below; in Release, the layers whose tests run
# whole pipelines on large inputs (too slow under the sanitizers, where they skip
# themselves) and the web app's browser test, and every benchmark is built.
release_layers=(apps pipeline geometry web)
targets=(atlas atlas_benchmarks)
for layer in "${release_layers[@]}"; do targets+=("atlas_${layer}_tests"); done
cmake --build build/release -j "$jobs" --target "${targets[@]}"
run_suite build/release 600 -L "^($(IFS='|'; echo "${release_layers[*]}"))\$"

echo "== AddressSanitizer + UBSan build and tests"
# -g1: line tables for the sanitizers' stack traces at a fraction of full debug info's build time.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATLAS_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DATLAS_BUILD_TESTS=ON \
  -DATLAS_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build/asan 1200

echo "== Fuzzers"
scripts/fuzz.sh "${ATLAS_FUZZ_SECONDS:-5}"
fuzzers=$(ls build/fuzz/fuzz/*_fuzzer | wc -l)
echo "tests: $((passed + fuzzers)) passed, 0 failed"
