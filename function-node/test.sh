#!/usr/bin/env bash
# Runs the Node runtime's end-to-end tests (node's built-in test runner). Exits non-zero on failure.
set -u
cd "$(dirname "$0")"
start=$(date +%s)
if [ ! -d node_modules ]; then
  if ! npm ci --no-audit --no-fund; then
    echo "function-node tests: FAILED (npm ci)"
    exit 1
  fi
fi
timeout 170 node --test --test-concurrency=1 test/runtime.test.js
rc=$?
secs=$(( $(date +%s) - start ))
if [ "$rc" -eq 0 ]; then
  echo "function-node tests: OK (${secs}s)"
else
  echo "function-node tests: FAILED (exit $rc, ${secs}s)"
fi
exit "$rc"
