#!/bin/bash
# Makes the test cloud's certificates with openssl. ONLY FOR TESTS AND TRIALS: nothing here is a secret worth
# keeping, and none of it is ever committed.
#   DIR/ca.pem, ca.key            the cloud's CA: signs everything below
#   DIR/server.pem, server.key    the cloud's MQTT and HTTPS endpoints (localhost, 127.0.0.1)
#   DIR/cloud.pem, cloud.key      the client certificate the push command publishes OTA events with
#   DIR/devices/ID/               one device: ca.pem, client.pem, client.key (RSA, PKCS#1 as Baidu's device keys)
#                                 -- the agent's agent-cert volume
# Usage: testcloud/gen-certs.sh DIR [DEVICE_ID ...]     (default device id: baetyl-device)
#        An existing CA in DIR is reused, so devices can be added later.
set -euo pipefail
dir="$1"; shift
devices=("$@")
[ "${#devices[@]}" -gt 0 ] || devices=(baetyl-device)
mkdir -p "$dir" && cd "$dir"
umask 077
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=baetyl-test-cloud-ca" -keyout ca.key -out ca.pem 2>/dev/null
fi
issue() { # name subject [san] [traditional]
  local name="$1" subject="$2" san="${3:-}" trad="${4:-}"
  if [ -n "$trad" ]; then
    openssl genrsa -traditional -out "$name.key" 2048 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null
  fi
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  if [ -n "$san" ]; then printf 'subjectAltName=%s\n' "$san" > "$name.ext"; else : > "$name.ext"; fi
  # A random serial: the agent sends it as x-iot-edge-sn and the cloud checks it.
  openssl x509 -req -in "$name.csr" -CA "$dir_abs/ca.pem" -CAkey "$dir_abs/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 3650 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
dir_abs="$(pwd)"
[ -f server.pem ] || issue server "/CN=localhost" "DNS:localhost,IP:127.0.0.1"
[ -f cloud.pem ] || issue cloud "/CN=baetyl-test-cloud"
for id in "${devices[@]}"; do
  case "$id" in *[!A-Za-z0-9_-]*|'') echo "device id '$id' must match [A-Za-z0-9_-]+" >&2; exit 1 ;; esac
  mkdir -p "devices/$id"
  if [ ! -f "devices/$id/client.pem" ]; then (cd "devices/$id" && issue client "/CN=$id" "" traditional); fi
  cp ca.pem "devices/$id/ca.pem"
done
# Certificates are public; keys stay readable by their owner only.
chmod 0755 . devices devices/*
chmod 0644 ca.pem server.pem cloud.pem devices/*/*.pem
echo "certificates in $dir_abs (CA, server, cloud, devices: ${devices[*]})"
