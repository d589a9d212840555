#!/usr/bin/env bash
# The whole game-ready package (3 LODs, 1024² colour and normal maps, GLBs, report,
# preview) on the 404 splats: median wall time and peak RSS of `atlas run game-ready`.
# Usage: bench/game_ready.sh [RUNS]   (default 5; needs the Release build in build/release)
# Targets (issue 3): 404-hamburger.ply <= 3 s and <= 1.5 GB; 404-robocop.spz <= 8 s.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
atlas=build/release/apps/atlas
data=../shared/testdata/splats
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-28s %10s %14s %10s\n' "input" "median s" "peak RSS MB" "LOD0 IoU"
for name in 404-hamburger.ply 404-monkey.ply 404-robocop.spz 404-dreamgaussian-blob.ply; do
  times=()
  peak=0
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    $atlas run game-ready "$data/$name" -o "$work/out" > /dev/null 2>&1
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
    run_peak=$(grep -o '"peak_rss_bytes": [0-9]*' "$work/out/report.json" | awk '{ if ($2 > m) m = $2 } END { print m }')
    (( run_peak > peak )) && peak=$run_peak
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  iou=$(grep -o '"mean_iou": [0-9.]*' "$work/out/report.json" | head -1 | awk '{ print $2 }')
  printf '%-28s %10.2f %14.0f %10.3f\n' "$name" "$(awk -v m="$median" 'BEGIN { print m / 1000 }')" \
    "$(awk -v p="$peak" 'BEGIN { print p / 1048576 }')" "$iou"
done
