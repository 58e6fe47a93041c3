#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: usage of every real file system, e.g.
# `disk / used=93% size_kib=41152736 avail_kib=2871204 fs=/dev/sda1`.
set -u

df -P -k -x tmpfs -x devtmpfs -x squashfs -x overlay 2>/dev/null | awk '
  NR > 1 { printf "disk %s used=%s size_kib=%s avail_kib=%s fs=%s\n", $6, $5, $2, $4, $1 }'
