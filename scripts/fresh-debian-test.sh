#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs scripts/test.sh from a clean clone inside a fresh minimal Debian 12
# (debootstrap --variant=minbase, made anew each run): what a new machine
# has, so a command the scripts or tests use without installing it fails
# here first. Needs root and a Debian mirror (the host's, by default).
# Usage: scripts/fresh-debian-test.sh [test.sh args...]
#   PERANDA_FRESH_DIR (default /var/tmp/peranda-fresh), PERANDA_QUICK and
#   PERANDA_FUZZ_SECONDS are passed on to test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${PERANDA_FRESH_DIR:-/var/tmp/peranda-fresh}
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian-test: run as root (debootstrap, chroot)" >&2; exit 1; }
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

# "" is the root itself, bound onto itself so that it is a mount point, as
# in a container: `ip -n NS` remounts / (mount --make-rslave) and fails
# on a plain folder.
mounts=("" proc sys dev dev/pts dev/shm run)
unmount_all() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "$dir/${mounts[i]}" && umount -l "$dir/${mounts[i]}"
  done
  return 0
}
trap unmount_all EXIT

[ -d "$dir" ] && { unmount_all; rm -rf "$dir"; }
echo "== debootstrap bookworm (minbase) into $dir from $mirror"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
  { tail -20 "$dir.debootstrap.log" >&2; exit 1; }
cp /etc/resolv.conf "$dir/etc/resolv.conf"
mount --bind "$dir" "$dir"
mount -t proc proc "$dir/proc"
mount -t sysfs sys "$dir/sys"
mount --bind /dev "$dir/dev"
mount -t devpts devpts "$dir/dev/pts"
mount -t tmpfs shm "$dir/dev/shm"
mount -t tmpfs run "$dir/run"

# What is committed, as CI sees it (git runs on this host, not in there).
git clone -q --no-hardlinks "$root" "$dir/peranda"
echo "== scripts/test.sh $* in the fresh system"
chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  PERANDA_QUICK="${PERANDA_QUICK:-0}" PERANDA_FUZZ_SECONDS="${PERANDA_FUZZ_SECONDS:-15}" \
  bash /peranda/scripts/test.sh "$@"
