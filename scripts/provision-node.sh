#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Gives a node (or a master) its broker credentials:
#   provision-node.sh -p PASSWD_FILE -o OUT_DIR [--ca-cert CA.crt --ca-key CA.key] NODE_ID
# - a random password, added to the broker's password_file with
#   mosquitto_passwd (created if missing; an existing entry is replaced, which
#   is how a password is rotated), and written to OUT_DIR/NODE_ID.password
#   (mode 0600) for the node's [broker] password_file;
# - with --ca-cert/--ca-key: a client certificate, CN = NODE_ID, signed by
#   that CA (OUT_DIR/NODE_ID.crt, OUT_DIR/NODE_ID.key) for cert_file/key_file.
# The MQTT user name is the node id: the ACL binds %u to the node's topics.
# Reload the broker afterwards (systemctl reload mosquitto) and copy the
# files to the node (/etc/peranda/, owner root:peranda, mode 0640).
set -euo pipefail

usage() {
  echo "usage: $0 -p PASSWD_FILE -o OUT_DIR [--ca-cert CA.crt --ca-key CA.key] [--days N] NODE_ID" >&2
  exit 2
}

passwd_file= out_dir= ca_cert= ca_key= days=825 node=
while [[ $# -gt 0 ]]; do
  case $1 in
    -p) passwd_file=$2; shift 2 ;;
    -o) out_dir=$2; shift 2 ;;
    --ca-cert) ca_cert=$2; shift 2 ;;
    --ca-key) ca_key=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) [[ -z $node ]] || usage; node=$1; shift ;;
  esac
done
[[ -n $passwd_file && -n $out_dir && -n $node ]] || usage
if [[ -n $ca_cert || -n $ca_key ]] && [[ -z $ca_cert || -z $ca_key ]]; then
  echo "--ca-cert and --ca-key go together" >&2
  exit 2
fi
# The node id grammar of the protocol: it becomes a topic level and a
# directory name, so no wildcards, no '/', no '..'.
if [[ ! $node =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ || $node == *..* ]]; then
  echo "'$node' is not a valid node id ([A-Za-z0-9][A-Za-z0-9._-]{0,63}, no '..')" >&2
  exit 2
fi

mkdir -p "$out_dir"
umask 077
password=$(openssl rand -base64 32 | tr -d '/+=\n' | cut -c1-32)
if [[ -e $passwd_file ]]; then
  mosquitto_passwd -b "$passwd_file" "$node" "$password"
else
  mosquitto_passwd -c -b "$passwd_file" "$node" "$password"
fi
# The broker drops root and runs as `mosquitto`: it must be able to read it.
if getent group mosquitto >/dev/null; then
  chgrp mosquitto "$passwd_file"
  chmod 0640 "$passwd_file"
fi
printf '%s\n' "$password" >"$out_dir/$node.password"
chmod 0600 "$out_dir/$node.password"

if [[ -n $ca_cert ]]; then
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$node" \
    -keyout "$out_dir/$node.key" -out "$out_dir/$node.csr" 2>/dev/null
  openssl x509 -req -in "$out_dir/$node.csr" -CA "$ca_cert" -CAkey "$ca_key" -CAcreateserial \
    -CAserial "$out_dir/.ca.srl" -days "$days" -sha256 \
    -extfile <(printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n') \
    -out "$out_dir/$node.crt" 2>/dev/null
  rm -f "$out_dir/$node.csr"
fi

cat <<SNIPPET
# [broker] section for $node (copy the files to /etc/peranda/ on the node):
username = "$node"
password_file = "/etc/peranda/$node.password"
SNIPPET
if [[ -n $ca_cert ]]; then
  echo "cert_file = \"/etc/peranda/$node.crt\""
  echo "key_file = \"/etc/peranda/$node.key\""
fi
