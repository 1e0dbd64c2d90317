#!/bin/bash
# Many publishers to many subscribers (issue 14): 16 publishers -> 4 subscribers, every subscriber gets every message
# (Bench manytomany). The hub (shaded jar, hub/jvm.options as the install's launcher uses them: the default flags, one
# event loop per core the JVM may use) and Mosquitto (set_tcp_nodelay, no persistence, max_inflight_messages 0 as in
# bench/hub-vs-mosquitto.sh) on free ports of 127.0.0.1,
# each broker pinned with taskset to 1 core (cpu 0) and then to all cores, alternating hub and Mosquitto, ROUNDS
# times. The load generator is not pinned (the same for both brokers). Prints delivered msg/s and the broker's CPU
# time per delivered message (utime+stime from /proc/PID/stat). Leaves nothing running (stopped by PID).
# Needs: mvn package (hub and bench jars), mosquitto and taskset (util-linux).
# Usage: bench/hub-many-to-many.sh [ROUNDS]        (default 3)
#        QOS="0 1 2"  the QoS levels to run (default "0 1")
#        COUNT=N      messages per publisher (default 20000; 16 x N published, 64 x N delivered)
#        WINDOW=N     messages per publisher between publish and arrival (default: the load generator's)
#        HUB_JAVA_OPTS=... adds JVM options to the hub (after hub/jvm.options, so they win)
#        GEN=raw|paho the load generator (default raw): raw is `manytomany --client raw`, one NIO thread for all 20
#                     connections with MQTT encoded by hand (QoS 0 and 1 only, so QoS 2 needs GEN=paho); paho is the
#                     Eclipse Paho one (two threads per client), which takes most of a 2-core machine itself.
#                     A run that the generator ends with an error (refused CONNECT/SUBSCRIBE, malformed packet,
#                     socket error) stops the script with its message.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
qos_levels="${QOS:-0 1}"
count="${COUNT:-20000}"
gen="${GEN:-raw}"
case "$gen" in raw|paho) ;; *) echo "error: GEN=$gen: raw or paho" >&2; exit 2 ;; esac
case " $qos_levels " in *" 2 "*) [ "$gen" = paho ] || { echo "error: QoS 2 needs GEN=paho (the raw generator runs QoS 0 and 1)" >&2; exit 2; } ;; esac
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
bench=(java -Xmx512m -jar "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)")
command -v taskset >/dev/null || { echo "error: taskset is missing (apt-get install util-linux)" >&2; exit 1; }
work="$(mktemp -d /tmp/baetyl-m2m.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

start_hub() { # cpu list
  port="$(free_port)"
  rm -rf "$work/hub" && mkdir -p "$work/hub"
  printf 'listen: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' \
    "$port" > "$work/hub/service.yml"
  local opts=()
  while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
  (cd "$work/hub" && MALLOC_ARENA_MAX=2 exec taskset -c "$1" java "${opts[@]}" ${HUB_JAVA_OPTS:-} -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
  pid=$!; pids+=("$pid")
  wait_port "$port"
}

start_mosquitto() { # cpu list
  port="$(free_port)"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\n' "$port" > "$work/mosquitto.conf"
  taskset -c "$1" mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_port "$port"
}

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

run() { # label args...
  local label="$1" rc=0; shift
  "${bench[@]}" manytomany --client "$gen" --port "$port" --username test --password hahaha --pid "$pid" "$@" \
    > "$work/run.out" 2> "$work/run.err" || rc=$?
  sed "s/^/$label : /" "$work/run.out"
  if [ "$rc" != 0 ]; then
    echo "$label : the load generator failed (exit $rc):" >&2
    tail -5 "$work/run.err" >&2
    exit 1
  fi
}

all="0-$(( $(nproc) - 1 ))"
echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: 16 publishers -> 4 subscribers (bench/m2m/+), $count messages per publisher, 100-byte payloads"
echo "generator: $gen (GEN=raw|paho)"
for r in $(seq "$rounds"); do
  echo "round $r"
  for cpus in 0 "$all"; do
    for target in hub mosquitto; do
      if [ "$target" = hub ]; then start_hub "$cpus"; else start_mosquitto "$cpus"; fi
      # warm-up (the hub's JIT), not reported
      "${bench[@]}" manytomany --client "$gen" --port "$port" --username test --password hahaha --count "$(( count / 10 + 100 ))" \
        --timeout 30 > /dev/null 2>&1 || true
      for q in $qos_levels; do
        run "$target cpus=$cpus qos=$q" --qos "$q" --count "$count" --timeout 120 ${WINDOW:+--window "$WINDOW"}
      done
      stop "$pid"
    done
  done
done
