#!/bin/bash
# Installs what the tests need and runs every test of the project:
#   Java unit and integration tests of every module (mvn verify: surefire *Test, failsafe *IT),
#   the Python and Node function runtimes' end-to-end tests.
# Usage: scripts/test.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh --test || exit 1

failed=()
echo "=== Java modules (mvn verify)"
mvn -B -ntp verify || failed+=("java")
echo "=== Python function runtime"
bash function-python/test.sh || failed+=("function-python")
echo "=== Node function runtime"
bash function-node/test.sh || failed+=("function-node")

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
