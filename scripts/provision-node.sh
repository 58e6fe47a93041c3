#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Gives a node, a master or an edge broker its broker credentials:
#   provision-node.sh -p PASSWD_FILE -o OUT_DIR [--role node|master|edge] [--acl ACL_FILE]
#                     [--ca-cert CA.crt --ca-key CA.key] NAME
# - a random password, added to the broker's password_file with
#   mosquitto_passwd (created if missing; an existing entry is replaced, which
#   is how a password is rotated), and written to OUT_DIR/NAME.password
#   (mode 0600) for the [broker] password_file;
# - with --ca-cert/--ca-key: a client certificate, CN = NAME, signed by
#   that CA (OUT_DIR/NAME.crt, OUT_DIR/NAME.key) for cert_file/key_file.
# The MQTT user name is NAME. For a node (the default role) NAME is its node
# id, and the ACL's patterns bind %u to its own topics. Masters and edges
# get their rights from a `user NAME` block in the ACL (ACL_FILE, by default
# `acl` next to PASSWD_FILE): a node id that has such a block is refused,
# since that node would get a master's or an edge's rights; a master or edge
# without one is refused too (add the block first).
# Reload the broker afterwards (systemctl reload mosquitto) and copy the
# files to the host (/etc/peranda/, owner root:peranda, mode 0640).
set -euo pipefail

usage() {
  echo "usage: $0 -p PASSWD_FILE -o OUT_DIR [--role node|master|edge] [--acl ACL_FILE]" \
    "[--ca-cert CA.crt --ca-key CA.key] [--days N] NAME" >&2
  exit 2
}

passwd_file= out_dir= ca_cert= ca_key= days=825 node= role=node acl=
while [[ $# -gt 0 ]]; do
  case $1 in
    -p) passwd_file=$2; shift 2 ;;
    --role) role=$2; shift 2 ;;
    --acl) acl=$2; shift 2 ;;
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
case $role in
  node|master|edge) ;;
  *) echo "--role must be node, master or edge, not '$role'" >&2; exit 2 ;;
esac
acl=${acl:-$(dirname "$passwd_file")/acl}
if [[ ! -r $acl ]]; then
  echo "cannot read the broker's ACL '$acl' (give --acl ACL_FILE): it says which" \
    "names are masters and edges" >&2
  exit 2
fi
if awk -v name="$node" '$1 == "user" && $2 == name { found = 1 } END { exit !found }' "$acl"; then
  if [[ $role == node ]]; then
    echo "'$node' has a 'user $node' block in $acl: it is a master or edge user, never" \
      "a node id (a node with that name would get its rights)" >&2
    exit 2
  fi
elif [[ $role != node ]]; then
  echo "'$node' has no 'user $node' block in $acl: add one for this $role first (see" \
    "the master-1 and edge-site-1 blocks), then run this again" >&2
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

if [[ $role == edge ]]; then
  echo "# Add $node to plugin_opt_edge_users in the central broker's mosquitto config."
fi
cat <<SNIPPET
# [broker] section for $node (copy the files to /etc/peranda/ on the host):
username = "$node"
password_file = "/etc/peranda/$node.password"
SNIPPET
if [[ -n $ca_cert ]]; then
  echo "cert_file = \"/etc/peranda/$node.crt\""
  echo "key_file = \"/etc/peranda/$node.key\""
fi
