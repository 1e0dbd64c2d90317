#!/bin/bash
# What each of the hub's budgets costs (docs/PERFORMANCE.md, "Hub under abuse"): the hub (shaded jar, hub/jvm.options,
# MALLOC_ARENA_MAX=2, as the install's launcher runs it) on a free port of 127.0.0.1, one fresh process per budget,
# filled to its default limit with BoundsBench; prints the live heap after a full GC (jcmd GC.run, GC.heap_info) and
# the RSS, idle and filled. Leaves nothing running (the hub is stopped by PID).
# Needs: mvn package (hub and bench jars), a JDK's jcmd.
# Usage: bench/hub-bounds.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
bounds=(java -Xmx512m -cp "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)" io.baetyl.bench.BoundsBench)
work="$(mktemp -d /tmp/baetyl-hubbounds.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# live heap in KB: young + old generation in use after a full collection
heap_kb() {
  jcmd "$1" GC.run > /dev/null
  jcmd "$1" GC.heap_info | awk '/generation/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?/, "", v); s += v } } END { print s }'
}

start_hub() {
  port="$(free_port)"
  rm -rf "$work/hub" && mkdir -p "$work/hub"
  printf 'listen: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' \
    "$port" > "$work/hub/service.yml"
  local opts=()
  while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
  (cd "$work/hub" && MALLOC_ARENA_MAX=2 exec java "${opts[@]}" -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
  hub_pid=$!; pids+=("$hub_pid")
  wait_port "$port"
  sleep 1
  idle_heap="$(heap_kb "$hub_pid")"; idle_rss="$(rss_kb "$hub_pid")"
}

report() { # label
  local heap rss
  heap="$(heap_kb "$hub_pid")"; rss="$(rss_kb "$hub_pid")"
  echo "$1: live_heap_kb=$heap (idle $idle_heap, +$((heap - idle_heap))) rss_kb=$rss (idle $idle_rss, +$((rss - idle_rss)))"
  grep -m1 'budgets:' "$work/hub/hub.log" | sed 's/.*budgets: /  budgets: /' > "$work/budgets"
}

stop_hub() { kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; }

start_hub
"${bounds[@]}" retained --port "$port" --count 24576 --size 16 --topic-length 64 > /dev/null
report "retained index, 24,576 messages (message.retained.count.max) with 64-character topics"
stop_hub

start_hub
"${bounds[@]}" qos1 --port "$port" --count 1000 --size 30720 > /dev/null
report "QoS 1 cache full by bytes: 1,000 x 30 KB QoS 1 (message.ingress.qos1.cache.size.max)"
stop_hub

start_hub
"${bounds[@]}" qos1 --port "$port" --count 20000 --size 100 > /dev/null
report "QoS 1 cache full by count: 20,000 x 100 B QoS 1 (message.ingress.qos1.cache.count.max)"
stop_hub

start_hub
"${bounds[@]}" stuck --port "$port" --clients 10 --count 3000 --size 30720 --hold 120 > "$work/stuck.out" &
stuck_pid=$!; pids+=("$stuck_pid")
for _ in $(seq 600); do grep -q ready=1 "$work/stuck.out" 2>/dev/null && break; sleep 0.2; done
report "QoS 0 queues full: 10 subscribers that never read, 3,000 x 30 KB QoS 0 (message.egress.qos0.total.size.max)"
kill "$stuck_pid" 2>/dev/null || true
stop_hub

start_hub
"${bounds[@]}" qos1 --port "$port" --count 500000 --size 10 --timeout 600 > /dev/null
report "QoS 1 log of 500,000 small messages (its index; storage.count.max)"
stop_hub
cat "$work/budgets"
