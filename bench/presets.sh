#!/usr/bin/env bash
# Every preset on the 404 hamburger (splats) and on trellis-sample.glb (a generated
# mesh): wall time, peak RSS, the files written with their sizes, the Khronos glTF
# validator's verdict on every GLB, LOD0's fidelity and the validation gates.
# Usage: bench/presets.sh   (needs build/release and tools/npm, as after scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
atlas=build/release/apps/atlas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for preset in game-ready mobile web-ar print archive; do
  for input in splats/404-hamburger.ply meshes/trellis-sample.glb; do
    out="$work/$preset-$(basename "$input")"
    echo "== $preset on $(basename "$input")"
    status=ok
    /usr/bin/time -f "%e %M" -o "$work/time" "$atlas" run "$preset" "../shared/testdata/$input" \
      -o "$out" --no-cache > "$work/summary" 2> "$work/log" || status=failed
    read -r seconds kilobytes < <(tail -1 "$work/time")
    printf '  %s in %.2f s, peak RSS %.0f MB\n' "$status" "$seconds" "$(awk -v k="$kilobytes" 'BEGIN { print k / 1024 }')"
    [[ $status == ok ]] || { tail -1 "$work/summary" | sed "s/^/  /"; continue; }
    for file in "$out"/*; do
      name=$(basename "$file")
      [[ $name == pipeline_report.json ]] && continue
      verdict=""
      if [[ $name == *.glb ]]; then
        verdict=$(node tools/npm/validate-gltf.mjs "$file" | node -e '
          let t = ""; process.stdin.on("data", d => t += d).on("end", () => {
            const r = JSON.parse(t.trim().split("\n")[0]);
            console.log(`validator: ${r.numErrors} errors, ${r.numWarnings} warnings`); });')
      fi
      printf '  %-36s %10d bytes  %s\n' "$name" "$(stat -c %s "$file")" "$verdict"
    done
    if [[ -f "$out/fidelity.json" ]]; then
      node -e '
        const m = JSON.parse(require("fs").readFileSync(process.argv[1])).metrics;
        console.log(`  LOD0 fidelity: IoU ${m.mean_iou.toFixed(3)}, PSNR ${m.mean_psnr.toFixed(1)} dB, SSIM ${m.mean_ssim.toFixed(3)}`);' \
        "$out/fidelity.json"
    fi
    grep -h "warning" "$work/log" | sed 's/^/  /' || true
  done
done
