#!/usr/bin/env bash
# The main job on the bundled example: builds Atlas, then turns the 404 hamburger (a real
# 404 text-to-3D output, Gaussian splats) into a game-ready asset in out/hamburger/:
# GLBs with a LOD chain, baked textures, report.json and preview.png. Then says how to open
# the same work in the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DATLAS_BUILD_TESTS=OFF \
  -DATLAS_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/release --target atlas atlas_web
mkdir -p out
atlas=build/release/apps/atlas
set -x
$atlas info examples/404-hamburger.ply
$atlas run game-ready examples/404-hamburger.ply -o out/hamburger
set +x
cat << EOF

The web app (docs/web.md), served by atlas serve at http://127.0.0.1:8080/:
  $atlas keys create --tenant me --data out/service   # prints the key to sign in with
  $atlas serve --data out/service                     # then open http://127.0.0.1:8080/
EOF
