#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each for a bounded time, seeded
# with the real test files. Usage: scripts/fuzz.sh [SECONDS_EACH]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATLAS_BUILD_FUZZERS=ON \
  -DATLAS_BUILD_TESTS=OFF -DATLAS_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/fuzz -j "$(nproc)" --target atlas_fuzzers

testdata=../shared/testdata
# Seeds: the real files of each fuzzer's format (a few small ones where the real ones are big).
seeds_for() {
  case $1 in
    ply_splats_fuzzer) echo "$testdata/splats/train-1000-sh3.ply $testdata/splats/404-monkey.ply" ;;
    base64_ply_fuzzer) echo "$testdata/splats/404-monkey.base64.ply" ;;
    spz_fuzzer) echo "$testdata/splats/fixture-minimal-v2.spz $testdata/splats/fixture-minimal-v3.spz $testdata/splats/fixture-minimal-v4.spz $testdata/splats/fixture-minimal-raw.spz" ;;
    ksplat_fuzzer) echo "$testdata/splats/fixture-minimal.ksplat" ;;
    antimatter_splat_fuzzer) echo "$testdata/splats/fixture-minimal.splat" ;;
    gltf_fuzzer) echo "$testdata/meshes/Fox.glb" ;;
    obj_fuzzer) echo "$testdata/meshes/suzanne.obj" ;;
  esac
}

for fuzzer in build/fuzz/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer")
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  for seed in $(seeds_for "$name"); do cp "$seed" "$corpus/"; done
  echo "-- $name (${seconds}s)"
  "$fuzzer" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=1048576 -print_final_stats=1 > "build/fuzz/$name.log" 2>&1 || {
      tail -n 60 "build/fuzz/$name.log"
      echo "FAILED: $name"
      exit 1
    }
  grep -E "stat::number_of_executed_units" "build/fuzz/$name.log" || true
done
echo "fuzzers: all passed"
