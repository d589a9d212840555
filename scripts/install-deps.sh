#!/usr/bin/env bash
# Installs what building and testing Atlas needs on Debian 12, and nothing that is
# already there. Usage: scripts/install-deps.sh [--test]  (--test adds the test tools).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config ccache
  zlib1g-dev libdeflate-dev libzstd-dev libwebp-dev libstb-dev
  libtinygltf-dev nlohmann-json3-dev libdraco-dev libmeshoptimizer-dev
  libtbb-dev libcli11-dev libeigen3-dev libssl-dev libyaml-cpp-dev
  libcurl4-openssl-dev libzip-dev libsqlite3-dev libboost-dev libpq-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev nodejs
                blender python3-numpy postgresql chromium)
else
  packages+=(nodejs)  # the web app's build (web/, Vite)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# nodejs may come from another repository as a package that also provides npm.
if [[ " ${missing[*]} " == *" nodejs "* ]] && command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}")
fi
missing=(${missing[@]+"${missing[@]}"})
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" nodejs "* ]] && ! command -v npm >/dev/null; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm
  fi
fi

# The web app's build tools and libraries (three.js, Vite; Playwright for its test), pinned
# by web/package-lock.json: the build runs Vite from web/node_modules and downloads nothing.
if [[ ! -d web/node_modules ]] || [[ web/package-lock.json -nt web/node_modules ]]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ "${1:-}" == "--test" ]]; then
  # The external tools the tests cross-check against, pinned by tools/npm/package-lock.json.
  if [[ ! -d tools/npm/node_modules ]] || [[ tools/npm/package-lock.json -nt tools/npm/node_modules ]]; then
    (cd tools/npm && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
