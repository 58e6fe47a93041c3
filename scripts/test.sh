#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds with warnings as errors and runs every test;
# then the whole suite again under ASan+UBSan, a clang build that checks the
# lock annotations, and a short run of every fuzz target. PERANDA_QUICK=1
# skips the last three (for quick local iterations).
# Usage: scripts/test.sh [ctest args...]   (e.g. -L unit, -R presence)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/deps.sh
source "$root/scripts/deps.sh"
peranda_install_deps
peranda_install_node
jobs=$(nproc)

stage() {  # prints a stage's title with the minutes the script has run so far
  printf '== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"
}

run_suite() {  # build dir, extra cmake args..., then ctest args after --
  local build=$1; shift
  local cmake_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cmake -S "$root" -B "$build" -G Ninja -DPERANDA_WERROR=ON "${cmake_args[@]}" >/dev/null
  cmake --build "$build" -j "$jobs"
  peranda_install_cluster_packages "$root" "$build"
  (cd "$build" && ctest --output-on-failure -j "$jobs" "$@")
}

stage "build and test (RelWithDebInfo, -Werror)"
run_suite "${PERANDA_BUILD_DIR:-$root/build}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -- "$@"

if [ "${PERANDA_QUICK:-0}" != 1 ]; then
  stage "the same suite under ASan+UBSan"
  # Less the packaging test: it runs the packaged programs in a chroot without
  # /proc, where LeakSanitizer cannot work (it checks packaging, not memory).
  # The suppressions name a use-after-free and a lost global inside Paho C
  # itself (see the files).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:suppressions=$root/tests/asan_suppressions.txt \
    LSAN_OPTIONS=suppressions=$root/tests/lsan_suppressions.txt \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DPERANDA_SANITIZE=ON -- \
    -E 'ops_packaging' "$@"
  if command -v clang++-16 >/dev/null; then
    stage "lock annotations checked by clang -Wthread-safety (programs only)"
    cmake -S "$root" -B "$root/build-tsa" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 \
      -DPERANDA_THREAD_SAFETY=ON -DPERANDA_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$root/build-tsa" -j "$jobs"
    stage "fuzz smoke run (scripts/fuzz.sh for long runs)"
    "$root/scripts/fuzz.sh" --seconds "${PERANDA_FUZZ_SECONDS:-15}"
  else
    stage "lock-annotation build and fuzz smoke run skipped: clang++-16 is not installed"
  fi
fi
stage "done"
