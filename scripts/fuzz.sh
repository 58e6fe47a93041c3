#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) with clang 16 + ASan + UBSan
# and runs each for N seconds (default 600), two at a time. Crashes land in
# build-fuzz/artifacts/ and fail the run; turn each into a unit test.
# Usage: scripts/fuzz.sh [--seconds N] [target...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    *) targets+=("$1") ;;
  esac
  shift
done
command -v clang++-16 >/dev/null || { echo "fuzz: clang++-16 not installed (apt-get install clang-16 libclang-rt-16-dev)" >&2; exit 1; }
build=$root/build-fuzz
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DPERANDA_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_targets -j "$(nproc)"
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$root/fuzz" && ls ./*_fuzz.cpp | sed 's|./||; s|\.cpp$||'))
mkdir -p "$build/artifacts" "$build/logs"

run_one() {
  local t=$1 seeds=$root/fuzz/corpus/${1%_fuzz} work=$build/corpus/${1%_fuzz}
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  "$build/bin/$t" "$work" -max_total_time="$seconds" -max_len=70000 -timeout=10 \
    -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 > "$build/logs/$t.log" 2>&1
  local rc=$?
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/logs/$t.log" | grep -o '[0-9]*$' || echo '?')
  echo "fuzz: $t: ${seconds}s, $runs runs, exit $rc"
  return $rc
}

failed=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ $failed -eq 0 ] || { echo "fuzz: a target failed; see $build/logs and $build/artifacts" >&2; exit 1; }
