#!/bin/bash
# QoS 2 exactly-once across a hub kill -9 mid-stream (issue 14), with Mosquitto as the msg/s peer.
# A persistent-session publisher streams COUNT QoS 2 messages with sequence numbers to a persistent-session
# subscriber (Bench exactlyonce). Three runs, each on a fresh broker on a free port of 127.0.0.1:
#   1. hub, no kill            msg/s of the stream (each run after a QoS 2 warm-up with clean sessions)
#   2. Mosquitto, no kill      the msg/s peer (set_tcp_nodelay, no persistence: its sessions live in memory;
#                              max_inflight_messages 0: with its default 20, Mosquitto 2.0.11 drops the QoS 2
#                              publishes of a 3.1.1 client beyond 20 in flight, measured: 534 of 900 lost)
#   3. hub, kill -9 once a third of the messages arrived; restarted at once on the same store; both clients
#      reconnect with their sessions. Reports msg/s (outage included), lost and duplicated: both must be 0.
# The hub runs from its shaded jar with hub/jvm.options, as the install's launcher starts it. Everything started is
# stopped by PID; the script exits 1 when the kill run lost or duplicated anything.
# Needs: mvn package (hub and bench jars), mosquitto.
# Usage: bench/hub-qos2-crash.sh            COUNT=N (default 20000) messages per run; KEEP_WORK=1 keeps the work dir
#                                          (hub/hub.log, kill.out, bench.err) for a look at a failed run;
#                                          HUB_LOG_LEVEL=debug for the hub's debug log
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${COUNT:-20000}"
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
bench=(java -Xmx512m -jar "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)")
work="$(mktemp -d /tmp/baetyl-qos2crash.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

hub_opts=()
while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) hub_opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
start_hub() { # the store (var/db/baetyl/data below $work/hub) is kept across restarts
  (cd "$work/hub" && MALLOC_ARENA_MAX=2 exec java "${hub_opts[@]}" -jar "$hub_jar" -c service.yml >> hub.log 2>&1) &
  hub_pid=$!; pids+=("$hub_pid")
  wait_port "$port" || { echo "error: the hub did not listen on $port within 30 s:" >&2; tail -20 "$work/hub/hub.log" >&2; exit 1; }
}
new_hub() {
  port="$(free_port)"
  rm -rf "$work/hub" && mkdir -p "$work/hub"
  printf 'logger: {level: %s}\nlisten: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' \
    "${HUB_LOG_LEVEL:-info}" "$port" > "$work/hub/service.yml"
  start_hub
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# QoS 2 warm-up with clean sessions (nothing left in the store), not reported: a fresh hub's JIT otherwise dominates
warm() { "${bench[@]}" latency --port "$port" --username test --password hahaha --qos 2 --rate 2000 \
  --count "$(( count / 4 + 500 ))" --timeout 30 > /dev/null 2>>"$work/bench.err" || true; }
stream() { # label extra-args...
  local label="$1"; shift
  "${bench[@]}" exactlyonce --port "$port" --username test --password hahaha --count "$count" --timeout 300 "$@" \
    2>>"$work/bench.err" | sed -u "s/^/$label : /"
}

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "stream: $count QoS 2 messages, 100-byte payloads, publisher window 100, persistent sessions"

new_hub
warm
stream "hub no-kill"
stop "$hub_pid"

port="$(free_port)"
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\n' "$port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mosq_pid=$!; pids+=("$mosq_pid")
wait_port "$port"
warm
stream "mosquitto no-kill"
stop "$mosq_pid"

new_hub
warm
kill_at=$(( count / 3 ))
stream "hub kill-9" --kill-at "$kill_at" > "$work/kill.out" &
stream_pid=$!; pids+=("$stream_pid")
deadline=$(( SECONDS + 300 ))
until grep -qs "kill_now=" "$work/kill.out"; do
  if [ "$SECONDS" -gt "$deadline" ] || ! kill -0 "$stream_pid" 2>/dev/null; then
    echo "error: the stream never reached $kill_at messages" >&2; cat "$work/kill.out" "$work/bench.err" >&2; exit 1
  fi
  sleep 0.01
done
kill -9 "$hub_pid"; wait "$hub_pid" 2>/dev/null || true
echo "hub kill-9 : killed hub pid $hub_pid after $kill_at messages arrived; restarting on the same store"
start_hub
wait "$stream_pid" || true
cat "$work/kill.out"
stop "$hub_pid"
lost="$(sed -n 's/.* : lost=//p' "$work/kill.out")"
dup="$(sed -n 's/.* : duplicated=//p' "$work/kill.out")"
if [ "$lost" != 0 ] || [ "$dup" != 0 ]; then
  echo "FAILED: across the kill -9, lost=$lost duplicated=$dup (both must be 0)"; exit 1
fi
echo "exactly once across kill -9: lost=0 duplicated=0"
