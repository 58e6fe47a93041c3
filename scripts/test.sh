#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds with warnings as errors, runs every test.
# Usage: scripts/test.sh [ctest args...]   (e.g. -L unit, -R presence)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/deps.sh
source "$root/scripts/deps.sh"
peranda_install_deps

build=${PERANDA_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DPERANDA_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
