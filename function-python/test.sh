#!/usr/bin/env bash
# Runs the Python runtime's end-to-end tests with Debian's /usr/bin/python3
# (python3-grpcio, python3-protobuf, python3-yaml). Exits non-zero on failure.
set -u
cd "$(dirname "$0")"
PY="${BAETYL_TEST_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import grpc, google.protobuf, yaml' 2>/dev/null; then
  echo "function-python tests: FAILED ($PY lacks grpc/protobuf/yaml; apt-get install python3-grpcio python3-protobuf python3-yaml)"
  exit 1
fi
start=$(date +%s)
timeout 170 "$PY" -m unittest discover -s tests -p 'test_*.py' -v
rc=$?
secs=$(( $(date +%s) - start ))
if [ "$rc" -eq 0 ]; then
  echo "function-python tests: OK (${secs}s)"
else
  echo "function-python tests: FAILED (exit $rc, ${secs}s)"
fi
exit "$rc"
