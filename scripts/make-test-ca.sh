#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Makes a throw-away CA and a broker certificate signed by it, for tests and
# trials: make-test-ca.sh DIR [NAME...]
#   DIR/ca.crt, DIR/ca.key          the CA (give ca.crt to agents: ca_file)
#   DIR/server.crt, DIR/server.key  the broker's (certfile/keyfile)
# The server certificate names localhost and 127.0.0.1 plus every NAME
# (host names, or IP addresses), because clients verify the name they
# connect to against the certificate's subjectAltName.
# Production: use your own CA and keep ca.key offline.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 DIR [NAME...]" >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
cd "$dir"

san="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+=",IP:$name"; else san+=",DNS:$name"; fi
done

umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
  -subj "/CN=peranda test CA" -keyout ca.key -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san") \
  -out server.crt 2>/dev/null
rm -f server.csr ca.srl
chmod 0644 ca.crt server.crt
# mosquitto drops root before it loads the key: let its group read it.
if getent group mosquitto >/dev/null; then
  chgrp mosquitto server.key
  chmod 0640 server.key
fi
echo "CA: $dir/ca.crt; broker certificate for $san: $dir/server.crt"
