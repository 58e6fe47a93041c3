#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks of issue 6 (docs/benchmarks.md says what each part measures):
# installs what they need, builds Release with the bench programs, runs the
# harness in bench/harness/.
# Usage: scripts/bench.sh [--quick] [--only upload,alarm,scale,footprint,peer]
#                         [--no-build] [--no-doc]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench
BUILD_IT=1 ONLY="" ARGS=()
while (($#)); do
  case $1 in
    --no-build) BUILD_IT=0 ;;
    --only)
      ARGS+=("$1")
      if (($# > 1)); then ONLY=$2; ARGS+=("$2"); shift; fi ;;
    --only=*) ONLY=${1#--only=}; ARGS+=("$1") ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done

# What it builds with and the footprint's baselines: installed when
# missing, like scripts/test.sh does.
source "$ROOT/scripts/deps.sh"
[[ -z $ONLY || ,$ONLY, == *,footprint,* ]] && PERANDA_PACKAGES+=(zabbix-agent prometheus-node-exporter)
[[ -z $ONLY || ,$ONLY, == *,peer,* ]] && PERANDA_PACKAGES+=(rsyslog rsyslog-relp)
PERANDA_PACKAGES+=(zstd)  # the upload part compresses its corpus spool files
peranda_install_deps

if ((BUILD_IT)); then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPERANDA_BUILD_BENCH=ON \
    -DPERANDA_BUILD_TESTS=OFF >/dev/null
  ninja -C "$BUILD" >/dev/null
fi
cd "$ROOT/bench"
exec python3 -m harness --build "$BUILD" --root "$ROOT" "${ARGS[@]}"
