#!/bin/bash
# Makes a throw-away CA, a server certificate for localhost/127.0.0.1 and a client certificate, for the
# example's ssl:// listener. ONLY FOR TESTS: real devices need their own certificates.
# Usage: scripts/gen-test-certs.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir" && cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=baetyl-test-ca" -keyout ca.key -out ca.pem 2>/dev/null
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$who" -keyout "$who.key" -out "$who.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$who.ext"
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile "$who.ext" -out "$who.pem" 2>/dev/null
  rm -f "$who.csr" "$who.ext"
done
rm -f ca.srl
