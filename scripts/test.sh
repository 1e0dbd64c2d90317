#!/bin/bash
# Installs what the tests need and runs every test of the project:
#   Java unit and integration tests of every module (mvn verify: surefire *Test, failsafe *IT),
#   the Python and Node function runtimes' end-to-end tests.
# The docker-mode integration tests (master Docker*IT) need a docker daemon and the module images:
# scripts/build-images.sh installs docker.io when missing, starts dockerd when none answers and builds the
# images (a few minutes the first time, seconds when cached). Without a daemon those tests skip.
# Usage: scripts/test.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh --test || exit 1

failed=()
echo "=== Java modules: the shaded jars (mvn package)"
# Built once: the Docker images and mvn verify's integration tests both use these jars, so verify skips the shade
# step (-Dshade.skip=true); minimizing every module's jar takes about a minute (docs/PERFORMANCE.md, "Footprint").
# -T 1C: modules that do not depend on each other build side by side, a thread per core (141 -> 113 s on 2 cores).
t0=$SECONDS
skip_shade=()
if mvn -B -ntp -q -T 1C -DskipTests package; then skip_shade=(-Dshade.skip=true); else failed+=("package"); fi
echo "package took $((SECONDS - t0))s"
echo "=== Docker images (scripts/build-images.sh)"
t0=$SECONDS
SKIP_BUILD=1 scripts/build-images.sh || failed+=("docker-images")
echo "docker images took $((SECONDS - t0))s"
echo "=== Java modules (mvn verify)"
# Said here because failsafe's console shows a skipped class only as "Tests run: 0" (the reason is in its report).
# The same lookup as PahoInteropSuiteIT.suiteDir(): $PAHO_MQTT_TESTING, else ../shared next to the repository.
paho="${PAHO_MQTT_TESTING:-$root/../shared/third-party/paho.mqtt.testing}"
if [ -f "$paho/interoperability/client_test5.py" ]; then
  echo "the hub's PahoInteropSuiteIT runs the Eclipse Paho interoperability suites from $paho"
else
  echo "note: the hub's PahoInteropSuiteIT is skipped: no Eclipse Paho interoperability suite at $paho" \
    "(README.md, under the test command, says how to get it)"
fi
# --fail-at-end: one module's failure still lets every other module's tests run and report.
mvn -B -ntp --fail-at-end verify "${skip_shade[@]}" || failed+=("java")
echo "=== Python function runtime"
bash function-python/test.sh || failed+=("function-python")
echo "=== Node function runtime"
bash function-node/test.sh || failed+=("function-node")

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
