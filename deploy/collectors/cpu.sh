#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: load, CPU usage over one second, temperatures if exposed.
# Output: one self-describing line each, e.g. `cpu usage=12%`.
set -u

read -r one five fifteen _ _ < /proc/loadavg
echo "cpu load1=$one load5=$five load15=$fifteen"

# usage = share of non-idle jiffies between two samples of the `cpu` line.
sample() { awk '/^cpu /{idle=$5+$6; total=0; for(i=2;i<=NF;i++) total+=$i; print total, idle}' /proc/stat; }
set -- $(sample)
t1=$1 i1=$2
sleep 1
set -- $(sample)
t2=$1 i2=$2
dt=$((t2 - t1))
if [ "$dt" -gt 0 ]; then
  echo "cpu usage=$(( (100 * (dt - (i2 - i1))) / dt ))%"
fi

for zone in /sys/class/thermal/thermal_zone*; do
  [ -r "$zone/temp" ] || continue
  temp=$(cat "$zone/temp" 2>/dev/null) || continue
  type=$(cat "$zone/type" 2>/dev/null || echo unknown)
  echo "cpu temperature zone=$type celsius=$((temp / 1000))"
done
