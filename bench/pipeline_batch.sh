#!/usr/bin/env bash
# The six 404 and captured splats of ../shared/testdata/splats through a preset as one
# batch: wall time with --jobs 2 against one input at a time (--jobs 1), both without
# the cache, then a warm rerun with the cache (its share of the cold run's time).
# Usage: bench/pipeline_batch.sh [PRESET] [RUNS]   (default game-ready, 3; needs build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-game-ready}
runs=${2:-3}
atlas=build/release/apps/atlas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
for name in 404-dreamgaussian-blob.ply 404-hamburger.ply 404-monkey.ply 404-monkey.base64.ply \
            404-robocop.spz train-1000-sh3.ply; do
  ln -s "$(realpath ../shared/testdata/splats/$name)" "$work/in/$name"
done

median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }
timed() {  # ARGS...: milliseconds of one `atlas run`
  local start
  start=$(date +%s%N)
  "$atlas" run "$preset" "$work/in" "$@" > "$work/summary.txt" 2> /dev/null || true
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}

for jobs in 1 2; do
  for ((i = 0; i < runs; i++)); do timed -o "$work/out$jobs" --jobs "$jobs" --no-cache; done \
    | median > "$work/jobs$jobs"
done
rm -rf "$work/cache"
timed -o "$work/cold" --jobs 2 --cache-dir "$work/cache" > "$work/cold_ms"
for ((i = 0; i < runs; i++)); do timed -o "$work/warm" --jobs 2 --cache-dir "$work/cache"; done \
  | median > "$work/warm_ms"
cat "$work/summary.txt"

one=$(cat "$work/jobs1") two=$(cat "$work/jobs2") cold=$(cat "$work/cold_ms") warm=$(cat "$work/warm_ms")
awk -v one="$one" -v two="$two" -v cold="$cold" -v warm="$warm" -v preset="$preset" 'BEGIN {
  printf "%s on 6 splats, median wall time:\n", preset
  printf "  --jobs 1 (one at a time)  %7.2f s\n", one / 1000
  printf "  --jobs 2                  %7.2f s   (%.2fx faster)\n", two / 1000, one / two
  printf "  cold cache, --jobs 2      %7.2f s\n", cold / 1000
  printf "  warm cache rerun          %7.2f s   (%.1f %% of the cold run)\n", warm / 1000, 100 * warm / cold
}'
