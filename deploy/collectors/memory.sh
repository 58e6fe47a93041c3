#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: memory and swap from /proc/meminfo, e.g.
# `memory used=41% total_kib=16314000 available_kib=9612000`.
set -u

awk '
  /^MemTotal:/     { total = $2 }
  /^MemAvailable:/ { avail = $2 }
  /^SwapTotal:/    { swap_total = $2 }
  /^SwapFree:/     { swap_free = $2 }
  END {
    if (total > 0)
      printf "memory used=%d%% total_kib=%d available_kib=%d\n", (100 * (total - avail)) / total, total, avail
    if (swap_total > 0)
      printf "swap used=%d%% total_kib=%d free_kib=%d\n", (100 * (swap_total - swap_free)) / swap_total, swap_total, swap_free
    else
      print "swap none"
  }' /proc/meminfo
