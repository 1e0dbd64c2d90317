#!/bin/bash
# Runs the hub benchmark of docs/PERFORMANCE.md: the hub (shaded jar, started with hub/jvm.options as the install's
# launcher does) and Mosquitto (set_tcp_nodelay, no persistence, max_inflight_messages 0: with its default of 20,
# Mosquitto 2.0.11 drops the QoS 2 publishes of a 3.1.1 client beyond 20 in flight, measured: 534 of 900 lost) on free ports of 127.0.0.1, the same load generator
# against each, alternating, ROUNDS times. Prints one figure per line; leaves nothing running (both are stopped by PID).
# Needs: mvn package (hub and bench jars), mosquitto (scripts/install-deps.sh --test installs it).
# Usage: bench/hub-vs-mosquitto.sh [ROUNDS]     (default 3)
#        SCALE=20 bench/hub-vs-mosquitto.sh 1   every message count divided by 20 (a smoke run on a busy machine)
#        ONLY=idle bench/hub-vs-mosquitto.sh   idle RSS after start and with 10,000 idle clients only
#        ONLY=messages bench/hub-vs-mosquitto.sh   everything but that (msg/s and latency)
#        HUB_JAVA_OPTS=... adds JVM options to the hub (after hub/jvm.options, so they win), e.g. another JIT
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
scale="${SCALE:-1}"
n() { echo $(( $1 / scale > 100 ? $1 / scale : 100 )); } # a message count, scaled
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
bench=(java -Xmx512m -jar "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)")
work="$(mktemp -d /tmp/baetyl-hubbench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

start_hub() {
  hub_port="$(free_port)"
  rm -rf "$work/hub" && mkdir -p "$work/hub"
  printf 'listen: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' \
    "$hub_port" > "$work/hub/service.yml"
  local opts=()
  while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
  (cd "$work/hub" && MALLOC_ARENA_MAX=2 exec java "${opts[@]}" ${HUB_JAVA_OPTS:-} -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
  hub_pid=$!; pids+=("$hub_pid")
  wait_port "$hub_port"
}

start_mosquitto() {
  mosq_port="$(free_port)"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\n' "$mosq_port" > "$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  mosq_pid=$!; pids+=("$mosq_pid")
  wait_port "$mosq_port"
}

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

run() { # label port pid mode args...
  local label="$1" port="$2" pid="$3" mode="$4"; shift 4
  "${bench[@]}" "$mode" --port "$port" --username test --password hahaha --pid "$pid" "$@" 2>/dev/null \
    | sed "s/^/$label $mode $* : /"
}

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1), $(mosquitto -h 2>/dev/null | head -1 || true)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"

# idle RSS right after start (5 s settle), then with 10,000 idle clients; a fresh process each (ONLY=messages skips it)
[ "${ONLY:-}" = messages ] || {
start_hub; sleep 5; echo "hub idle RSS after start: $(rss_kb "$hub_pid") kB"
run hub "$hub_port" "$hub_pid" idle --clients "$(n 10000)" --hold 5 --timeout 120; stop "$hub_pid"
start_mosquitto; sleep 5; echo "mosquitto idle RSS after start: $(rss_kb "$mosq_pid") kB"
run mosquitto "$mosq_port" "$mosq_pid" idle --clients "$(n 10000)" --hold 5 --timeout 120; stop "$mosq_pid"
}
[ "${ONLY:-}" = idle ] && exit 0

start_hub; start_mosquitto
# warm-up of both, not reported
run hub "$hub_port" "$hub_pid" latency --qos 1 --rate 2000 --count "$(n 10000)" --timeout 30 > /dev/null
run mosquitto "$mosq_port" "$mosq_pid" latency --qos 1 --rate 2000 --count "$(n 10000)" --timeout 30 > /dev/null
for r in $(seq "$rounds"); do
  echo "round $r"
  for target in hub mosquitto; do
    if [ "$target" = hub ]; then port="$hub_port" pid="$hub_pid"; else port="$mosq_port" pid="$mosq_pid"; fi
    run "$target" "$port" "$pid" fanin --qos 0 --count "$(n 50000)" --timeout 60
    run "$target" "$port" "$pid" fanin --qos 1 --count "$(n 25000)" --timeout 60
    run "$target" "$port" "$pid" fanin --qos 2 --count "$(n 25000)" --timeout 60
    for q in 0 1 2; do
      run "$target" "$port" "$pid" latency --qos "$q" --rate 200 --count "$(n 1000)" --timeout 30
      run "$target" "$port" "$pid" latency --qos "$q" --rate 2000 --count "$(n 10000)" --timeout 30
    done
  done
done
echo "hub RSS after the rounds: $(rss_kb "$hub_pid") kB"
