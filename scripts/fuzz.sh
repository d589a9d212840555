#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each for a bounded time, seeded
# with the real test files. Usage: scripts/fuzz.sh [SECONDS_EACH]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATLAS_BUILD_FUZZERS=ON \
  -DATLAS_BUILD_TESTS=OFF -DATLAS_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/fuzz -j "$(nproc)"

seeds=build/fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"
cp ../shared/testdata/splats/* ../shared/testdata/meshes/*.obj "$seeds"/ 2>/dev/null || true
for fuzzer in build/fuzz/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer")
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  echo "-- $name (${seconds}s)"
  "$fuzzer" "$corpus" "$seeds" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=1048576 -print_final_stats=0 2> "build/fuzz/$name.log" || {
      tail -n 60 "build/fuzz/$name.log"
      echo "FAILED: $name"
      exit 1
    }
done
echo "fuzzers: all passed"
