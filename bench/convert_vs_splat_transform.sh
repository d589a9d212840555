#!/usr/bin/env bash
# PLY->SPZ and SPZ->PLY with `atlas convert` and PlayCanvas splat-transform on the same
# 404 files in the same run; prints the median wall time of each and the ratio.
# Usage: bench/convert_vs_splat_transform.sh [RUNS]   (default 7; needs a Release build
# in build/release and tools/npm installed, as scripts/test.sh leaves them)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
atlas=build/release/apps/atlas
splat_transform=tools/npm/node_modules/.bin/splat-transform
data=../shared/testdata/splats
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# splat-transform cannot read 404's zstd-wrapped SPZ, so both tools read the 404 splats
# as the gzip SPZ v2 that Niantic's library writes (made here by Atlas).
for name in robocop hamburger monkey; do
  input=$data/404-$name.spz
  [[ -f $input ]] || input=$data/404-$name.ply
  $atlas convert "$input" "$work/$name-gzip.spz"
done

median_ms() {  # median wall time in ms of running "$@" $runs times
  local times=()
  for ((i = 0; i < runs; i++)); do
    local start=$(date +%s%N)
    "$@" > /dev/null 2>&1
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf '%-34s %12s %18s %8s\n' "conversion" "atlas ms" "splat-transform ms" "ratio"
compare() {  # label input output-extension
  local label=$1 input=$2 ext=$3
  local ours theirs
  ours=$(median_ms $atlas convert "$input" "$work/atlas.$ext")
  theirs=$(median_ms node $splat_transform -q -w "$input" "$work/st.$ext")
  printf '%-34s %12s %18s %7.1fx\n' "$label" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { print b / (a > 0 ? a : 1) }')"
}
compare "404-hamburger.ply -> spz" "$data/404-hamburger.ply" spz
compare "404-monkey.ply -> spz" "$data/404-monkey.ply" spz
compare "404-robocop (gzip spz) -> ply" "$work/robocop-gzip.spz" ply
compare "404-hamburger (gzip spz) -> ply" "$work/hamburger-gzip.spz" ply
compare "404-monkey (gzip spz) -> ply" "$work/monkey-gzip.spz" ply
compare "404-hamburger.ply -> ply" "$data/404-hamburger.ply" ply
