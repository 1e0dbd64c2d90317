#!/bin/bash
# The hub's publish path with one ExHook server registered for message.publish, against the same hub without hooks
# (docs/PERFORMANCE.md, "ExHook"): the shaded hub jar with hub/jvm.options, a minimal Java hook provider
# (HookProviderBench: CONTINUE with the message unchanged) on free ports of 127.0.0.1, the fanin load of
# hub-vs-mosquitto.sh at QoS 0 and 1 (4 and 32 publishers), a QoS 1 latency run at 200 msg/s, alternating without/with the hook, ROUNDS times. Everything is stopped by PID.
# Needs: mvn package (hub and bench jars).
# Usage: bench/hub-exhook.sh [ROUNDS]     (default 3; PIPELINE=8 sets exhook.pipeline)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
bench_jar="$(ls "$root"/bench/target/baetyl-bench-*-all.jar)"
bench=(java -Xmx512m -jar "$bench_jar")
work="$(mktemp -d /tmp/baetyl-exhookbench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

hook_port="$(free_port)"
java -Xmx256m -cp "$bench_jar" io.baetyl.bench.HookProviderBench "$hook_port" > "$work/hook.log" 2>&1 &
hook_pid=$!; pids+=("$hook_pid")
wait_port "$hook_port"

start_hub() { # with_hook(0|1)
  hub_port="$(free_port)"
  rm -rf "$work/hub" && mkdir -p "$work/hub"
  printf 'listen: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' \
    "$hub_port" > "$work/hub/service.yml"
  if [ "$1" = 1 ]; then
    # PIPELINE=N: exhook.pipeline (valued calls of one client under way at once; default 1, EMQX's behaviour)
    printf 'exhook:\n%b  servers:\n    - {name: bench, url: "http://127.0.0.1:%s"}\n' "${PIPELINE:+  pipeline: $PIPELINE\n}" \
      "$hook_port" >> "$work/hub/service.yml"
  fi
  local opts=()
  while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
  (cd "$work/hub" && MALLOC_ARENA_MAX=2 exec java "${opts[@]}" -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
  hub_pid=$!; pids+=("$hub_pid")
  wait_port "$hub_port"
}
stop() { # keeps the hub's log lines above INFO for the report
  kill "$1"; wait "$1" 2>/dev/null || true
  grep -E ' (WARN|ERROR) ' "$work/hub/hub.log" | sed "s/^/hub log ($label): /" | head -20 || true
}
run() { # label mode args...
  local label="$1" mode="$2"; shift 2
  "${bench[@]}" "$mode" --port "$hub_port" --username test --password hahaha --pid "$hub_pid" "$@" 2>/dev/null \
    | grep -E '^(received_per_second|loss_percent|sent|received|p50_ms|p99_ms)=' | tr '\n' ' ' | sed "s/^/$label $mode $* : /"
  echo
}

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  label=""
  echo "round $r"
  for hook in 0 1; do
    label=$([ "$hook" = 1 ] && echo "with-exhook" || echo "no-hook")
    start_hub "$hook"
    run "$label" latency --qos 1 --rate 2000 --count 5000 --timeout 30 > /dev/null # warm-up
    # counts small enough for the hooked hub to finish within the timeout, and at most 100 messages per publisher
    # between publish and arrival: the load generator waits only 5 s for arrivals after its last publish call
    run "$label" fanin --qos 0 --publishers 4 --count 2500 --window 100 --timeout 60
    run "$label" fanin --qos 1 --publishers 4 --count 2500 --window 100 --timeout 60
    run "$label" fanin --qos 1 --publishers 32 --count 500 --window 100 --timeout 60
    run "$label" latency --qos 1 --rate 200 --count 1000 --timeout 30
    stop "$hub_pid"
  done
done
echo "hook calls: $(tail -1 "$work/hook.log")"
