#!/bin/bash
# Benchmark of docs/PERFORMANCE.md "remote-kafka": hub -> remote-kafka -> Kafka, QoS 1 end to end with acks=all,
# 100-byte messages. Starts a local Kafka (scripts/kafka-local.sh, KRaft, topic auto-creation off), the hub and the
# bridge (shaded jars with their jvm.options, as the install's launchers run them) on free 127.0.0.1 ports, then runs
# COUNT messages each:
#   direct-max, direct-RATE: Kafka's own idempotent producer (acks=all) straight into the topic: the peer, the ceiling;
#   bridge-max, bridge-RATE: QoS 1 publishes to the hub, forwarded by remote-kafka, read back from Kafka;
#   restart-RATE: the same, with Kafka killed (SIGKILL) after KILL_AFTER (5) s and started again 5 s later.
# "max" runs measure msg/s (first send to last arrival), RATE runs the latency p50/p99 at a steady rate; every run
# counts lost and duplicate messages. Stops everything it started.
# Needs: mvn package (hub, remote-kafka and bench jars); Maven for the first Kafka download.
# Usage: bench/hub-to-kafka.sh [COUNT] [RATE]     (default 200000 messages, 10000 msg/s)
#        WINDOW=1000 bench/hub-to-kafka.sh        the hub's in-flight QoS 1 window per session (default 100)
#        BRIDGE_JAVA_OPTS=..., HUB_JAVA_OPTS=... add JVM options to the bridge or the hub (e.g. a JFR recording, or
#        another JIT); LINGER=1ms the bridge's
#        kafka.producer.linger (default: the module's 5ms); SKIP_DIRECT=1, SKIP_RESTART=1 skip those runs;
#        INFLIGHT=1 the producer's max.in.flight.requests.per.connection (default 5);
#        RULES=4 one rule (one hub session) per key instead of one for all four;
#        HUB_JAR, BRIDGE_JAR, BENCH_JAR: other builds of the hub, the bridge, the load generator (before/after)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-200000}"
rate="${2:-10000}"
window="${WINDOW:-100}"
hub_jar="${HUB_JAR:-$(ls "$root"/hub/target/baetyl-hub-*-all.jar)}"  # HUB_JAR=...: another build of the hub, for before/after
bridge_jar="${BRIDGE_JAR:-$(ls "$root"/remote-kafka/target/baetyl-remote-kafka-*-all.jar)}"  # BRIDGE_JAR=...: another build
bench=(java -Xmx768m -cp "${BENCH_JAR:-$(ls "$root"/bench/target/baetyl-bench-*-all.jar)}" io.baetyl.bench.KafkaBench)
work="$(mktemp -d /tmp/baetyl-kafkabench.XXXXXX)"
kdir="$root/output/kafka-bench"   # keeps the downloaded Kafka between runs; data is wiped each run
pids=()
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_s() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat"; }
export KAFKA_PORT="$(free_port)" KAFKA_CONTROLLER_PORT="$(free_port)" KAFKA_AUTO_CREATE=false
kafka_start() { "$root/scripts/kafka-local.sh" start "$kdir" | tail -1; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/scripts/kafka-local.sh" stop "$kdir" >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  cp "$work/bridge/bridge.log" "$work/hub/hub.log" "$kdir/" 2>/dev/null || true  # kept for a look afterwards
  rm -rf "$work"
}
trap cleanup EXIT
opts_of() { local o=(); while IFS= read -r l; do case "$l" in ''|'#'*) ;; *) o+=("$l") ;; esac; done < "$1"; echo "${o[@]}"; }

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "count=$count rate=$rate hub egress window=$window"

mkdir -p "$kdir"; rm -rf "$kdir/data" "$kdir/kafka.log"
kafka_start
kafka="127.0.0.1:$KAFKA_PORT"

hub_port="$(free_port)"
mkdir -p "$work/hub" "$work/bridge"
cat > "$work/hub/service.yml" <<YML
listen: [tcp://127.0.0.1:$hub_port]
principals:
  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}
message:
  egress:
    qos1:
      buffer:
        size: $window
logger: {level: info}
YML
(cd "$work/hub" && MALLOC_ARENA_MAX=2 exec java $(opts_of "$root/hub/jvm.options") ${HUB_JAVA_OPTS:-} -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
hub_pid=$!; pids+=("$hub_pid")
wait_port "$hub_port"

cat > "$work/bridge/service.yml" <<YML
hub: {address: 'tcp://127.0.0.1:$hub_port', username: test, password: hahaha, interval: 1s}
kafka:
  bootstrap_servers: '$kafka'
  producer: {linger: ${LINGER:-5ms}}
  properties: {max.in.flight.requests.per.connection: '${INFLIGHT:-5}'}
rules:
$(if [ "${RULES:-1}" = 1 ]; then
    echo "  - hub: {clientid: kafka-bench, subscriptions: [{topic: bench/#, qos: 1}]}"
    echo "    kafka: {topic: bench, key: '\${topic}'}"
  else
    for i in $(seq 0 $((RULES - 1))); do
      echo "  - hub: {clientid: kafka-bench-$i, subscriptions: [{topic: bench/$i, qos: 1}]}"
      echo "    kafka: {topic: bench, key: '\${topic}'}"
    done
  fi)
report: {interval: 5s}
logger: {level: ${BRIDGE_LOG:-info}}
YML

run() { # label rate mode args...
  local label="$1" r="$2"; shift 2
  echo "--- $label"
  "${bench[@]}" "$@" --kafka "$kafka" --count "$count" --rate "$r" --port "$hub_port" 2>/dev/null | sed "s/^/$label: /"
}

# the peer: Kafka's producer straight into the topic (the first run creates it: 4 partitions)
if [ "${SKIP_DIRECT:-}" != 1 ]; then
  run direct-max 0 direct
  run direct-$rate "$rate" direct
fi

(cd "$work/bridge" && MALLOC_ARENA_MAX=2 exec java $(opts_of "$root/remote-kafka/jvm.options") ${BRIDGE_JAVA_OPTS:-} -jar "$bridge_jar" -c service.yml > bridge.log 2>&1) &
bridge_pid=$!; pids+=("$bridge_pid")
for _ in $(seq 100); do grep -qs "hub connected" "$work/bridge/bridge.log" && break; sleep 0.2; done
echo "bridge RSS after start: $(rss_kb "$bridge_pid") kB"
c0="$(cpu_s "$bridge_pid")"; h0="$(cpu_s "$hub_pid")"

# through the bridge
run bridge-max 0 mqtt
run bridge-$rate "$rate" mqtt
echo "bridge CPU: $(awk "BEGIN{print $(cpu_s "$bridge_pid") - $c0}") s, hub CPU: $(awk "BEGIN{print $(cpu_s "$hub_pid") - $h0}") s, bridge RSS: $(rss_kb "$bridge_pid") kB, hub RSS: $(rss_kb "$hub_pid") kB"

[ "${SKIP_RESTART:-}" = 1 ] && exit 0
# through the bridge, with Kafka killed and restarted mid-stream
( sleep "${KILL_AFTER:-5}"; kill -9 "$(cat "$kdir/kafka.pid")"; echo "restart: Kafka killed at $(date +%T)"; sleep 5
  kafka_start >/dev/null; echo "restart: Kafka started again at $(date +%T)" ) &
restarter=$!
run restart-$rate "$rate" mqtt --timeout 300
wait "$restarter" || true
echo "bridge log lines about the outage:"; grep -E 'cannot send|waited|again' "$work/bridge/bridge.log" | cut -c1-200 | head -5
echo "bridge RSS at the end: $(rss_kb "$bridge_pid") kB"
