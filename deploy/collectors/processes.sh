#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: process count and the top consumers of CPU and memory, e.g.
# `process top_cpu rank=1 pid=812 cpu=35.2% mem=4.1% rss_kib=671000 name=java`.
set -u
TOP=${PERANDA_TOP:-5}

echo "process count=$(ps -e --no-headers | wc -l)"
for key in cpu mem; do
  ps -eo pid=,pcpu=,pmem=,rss=,comm= --sort=-p"$key" | head -n "$TOP" | awk -v key="$key" '
    { printf "process top_%s rank=%d pid=%s cpu=%s%% mem=%s%% rss_kib=%s name=%s\n", key, NR, $1, $2, $3, $4, $5 }'
done
