#!/bin/bash
# Function round trips under the real master in native mode: MQTT in -> function manager -> Python runtime ->
# MQTT out. Measures warm latency at 200 msg/s (p50/p99), cold start (first message, no instance; 5 functions, one
# cold start each) and throughput of a handler that sleeps 10 ms with max=10 vs max=1.
# Needs the built jars (mvn package); lays out its own install with SKIP_BUILD=1 scripts/install.sh in a temp dir,
# uses random 127.0.0.1 ports and stops everything it started.
# Usage: bench/functions-bench.sh [RATE] [COUNT]
#   RUNTIME=node   the same with the Node runtime (bench/functions/bench.js; default python3, bench.py)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rate="${1:-200}"
count="${2:-2000}"
case "${RUNTIME:-python3}" in
  python3) rt_image=baetyl-function-python3 rt_code=bench.py ;;
  node) rt_image=baetyl-function-node8 rt_code=bench.js ;;
  *) echo "error: RUNTIME must be python3 or node" >&2; exit 2 ;;
esac
work="$(mktemp -d /tmp/fbench.XXXXXX)"
master_pid=""
cleanup() {
  if [ -n "$master_pid" ] && kill -0 "$master_pid" 2>/dev/null; then
    kill "$master_pid"; for _ in $(seq 60); do kill -0 "$master_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$master_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

SKIP_BUILD=1 "$root/scripts/install.sh" "$work" >/dev/null
port="$(free_port)"; ssl="$(free_port)"
cd "$work"
sed -i "s#tcp://0.0.0.0:1883#tcp://127.0.0.1:$port#; s#ssl://0.0.0.0:8883#ssl://127.0.0.1:$ssl#" var/db/baetyl/localhub-conf/service.yml
sed -i 's#grace: 30s#grace: 5s#; s#level: debug#level: info#' etc/baetyl/conf.yml
mkdir -p var/db/baetyl/bench-code var/db/baetyl/bench-conf
cp "$root/bench/functions/$rt_code" var/db/baetyl/bench-code/
{
  echo "functions:"
  echo "  - {name: echo, handler: bench.echo, codedir: var/db/baetyl/bench}"
  echo "  - {name: sleep1, handler: bench.sleep10, codedir: var/db/baetyl/bench}"
  echo "  - {name: sleep10, handler: bench.sleep10, codedir: var/db/baetyl/bench}"
  for i in 1 2 3 4 5; do echo "  - {name: cold$i, handler: bench.echo, codedir: var/db/baetyl/bench}"; done
} > var/db/baetyl/bench-conf/service.yml
{
  echo "hub: {address: 'tcp://127.0.0.1:$port', username: test, password: hahaha}"
  echo "rules:"
  for f in echo sleep1 sleep10 cold1 cold2 cold3 cold4 cold5; do
    echo "  - {clientid: bench-$f, subscribe: {topic: bench/$f}, function: {name: $f}, publish: {topic: bench/$f/out}}"
  done
  echo "functions:"
  echo "  - {name: echo, service: bench-python, instance: {min: 0, max: 1}}"
  echo "  - {name: sleep1, service: bench-python, instance: {min: 0, max: 1}}"
  echo "  - {name: sleep10, service: bench-python, instance: {min: 0, max: 10}}"
  for i in 1 2 3 4 5; do echo "  - {name: cold$i, service: bench-python}"; done
  echo "logger: {level: info}"
} > var/db/baetyl/function-manager-conf/service.yml
cat > var/db/baetyl/application.yml <<YML
version: v0
services:
  - name: localhub
    image: baetyl-hub
    replica: 1
    mounts:
      - {name: localhub-conf, path: etc/baetyl, readonly: true}
      - {name: localhub-cert, path: var/db/baetyl/cert, readonly: true}
      - {name: localhub-data, path: var/db/baetyl/data}
      - {name: baetyl-hub-bin, path: lib/baetyl/baetyl-hub, readonly: true}
  - name: function-manager
    image: baetyl-function-manager
    replica: 1
    mounts:
      - {name: function-manager-conf, path: etc/baetyl, readonly: true}
      - {name: baetyl-function-manager-bin, path: lib/baetyl/baetyl-function-manager, readonly: true}
  - name: bench-python
    image: $rt_image
    replica: 0
    mounts:
      - {name: bench-conf, path: etc/baetyl, readonly: true}
      - {name: bench-code, path: var/db/baetyl/bench, readonly: true}
      - {name: baetyl-function-rt-bin, path: lib/baetyl/$rt_image, readonly: true}
volumes:
  - {name: localhub-conf, path: var/db/baetyl/localhub-conf}
  - {name: localhub-data, path: var/db/baetyl/localhub-data}
  - {name: localhub-cert, path: var/db/baetyl/localhub-cert-only-for-test}
  - {name: baetyl-hub-bin, path: var/db/baetyl/baetyl-hub}
  - {name: function-manager-conf, path: var/db/baetyl/function-manager-conf}
  - {name: baetyl-function-manager-bin, path: var/db/baetyl/baetyl-function-manager}
  - {name: bench-conf, path: var/db/baetyl/bench-conf}
  - {name: bench-code, path: var/db/baetyl/bench-code}
  - {name: baetyl-function-rt-bin, path: var/db/baetyl/$rt_image}
YML
bin/baetyl start > master.out 2>&1 &
master_pid=$!
for _ in $(seq 120); do
  n=$(grep -c 'rule subscribed' master.out || true)
  [ "$n" -ge 8 ] && break
  sleep 0.5
done
[ "$n" -ge 8 ] || { echo "rules not subscribed:"; tail -30 master.out; exit 1; }
fb() { java -cp "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)" io.baetyl.bench.FunctionBench "$@" --port "$port"; }

echo "# cold start (one new ${RUNTIME:-python3} instance per function)"
for i in 1 2 3 4 5; do fb coldstart --in "bench/cold$i" | grep cold_ms; sleep 1; done
echo "# warm latency, echo handler, max=1"
# 1,000 warm-up messages (5 s at 200/s): with 200, the first measured messages often waited out one stall of 100-400
# ms, about 1 s after the load generator's JVM started, with no GC or safepoint pause over 5 ms in the hub or the
# function manager at that time (docs/PERFORMANCE.md, "Function computing").
fb latency --in bench/echo --rate "$rate" --count "$count" --warmup 1000
echo "# throughput, handler sleeps 10 ms, max=1"
fb coldstart --in bench/sleep1 >/dev/null
fb throughput --in bench/sleep1 --count 300
echo "# throughput, handler sleeps 10 ms, max=10 (instances started on demand during the run)"
fb throughput --in bench/sleep10 --count 1000
echo "# throughput again, max=10, all 10 instances warm"
fb throughput --in bench/sleep10 --count 3000
