#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: logged-in users, e.g.
# `users count=2` then `user name=alice tty=pts/0 since=2026-11-25 08:12 from=10.0.0.7`.
set -u

sessions=$(who 2>/dev/null)
if [ -z "$sessions" ]; then
  echo "users count=0"
  exit 0
fi
echo "users count=$(printf '%s\n' "$sessions" | wc -l)"
printf '%s\n' "$sessions" | awk '{
  from = ($NF ~ /^\(.*\)$/) ? substr($NF, 2, length($NF) - 2) : "local"
  printf "user name=%s tty=%s since=%s %s from=%s\n", $1, $2, $3, $4, from }'
