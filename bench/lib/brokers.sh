# Sourced by the benchmarks that run hub variants side by side with Mosquitto (hub-latency-variants.sh,
# hub-rtt-variants.sh). The caller sets $root (the repository) and $work (a scratch directory); on exit every broker
# started here is stopped by PID and $work is removed. Each broker is known by its label: ${PID[label]},
# ${PORT[label]}, and "${labels[@]}" in start order.
hub_jar="$(ls "$root"/hub/target/baetyl-hub-*-all.jar)"
pids=()
labels=()
declare -A PORT PID
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# hub/jvm.options without comments and blank lines, into the array hub_opts.
read_hub_jvm_options() {
  hub_opts=()
  local line
  while IFS= read -r line; do case "$line" in ''|'#'*) ;; *) hub_opts+=("$line") ;; esac; done < "$root/hub/jvm.options"
}
# CPU time of process $1, all threads (utime + stime), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The hub from its shaded jar with hub/jvm.options, as the install's launcher starts it, plus extra JVM options (after
# jvm.options, so they win), on a free port of 127.0.0.1 with the benchmarks' user test/hahaha.
start_hub() { # label extra-jvm-options...
  local label=$1; shift
  local port; port="$(free_port)"
  mkdir -p "$work/$label"
  printf 'listen: [tcp://127.0.0.1:%s]\nprincipals:\n  - {username: test, password: hahaha, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}\n' "$port" > "$work/$label/service.yml"
  local hub_opts; read_hub_jvm_options
  (cd "$work/$label" && MALLOC_ARENA_MAX=2 exec java "${hub_opts[@]}" "$@" -jar "$hub_jar" -c service.yml > hub.log 2>&1) &
  PID[$label]=$!; pids+=($!); PORT[$label]=$port; labels+=("$label"); wait_port "$port"
}

# Mosquitto as in bench/hub-vs-mosquitto.sh: set_tcp_nodelay, no persistence, no in-flight limit.
start_mosquitto() { # label
  local port; port="$(free_port)"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\n' "$port" > "$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  PID[$1]=$!; pids+=($!); PORT[$1]=$port; labels+=("$1"); wait_port "$port"
}

# io.baetyl.bench.NettyFloor (no MQTT codec, session or routing: the floor of a Netty broker) with hub/jvm.options,
# as start_hub, plus extra JVM options, with EVENT_LOOPS loops.
start_floor() { # label event-loops extra-jvm-options...
  local label=$1 loops=$2; shift 2
  local port; port="$(free_port)"
  local hub_opts; read_hub_jvm_options
  MALLOC_ARENA_MAX=2 java "${hub_opts[@]}" "$@" -cp "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)" \
    io.baetyl.bench.NettyFloor "$port" "$loops" > "$work/$label.log" 2>&1 &
  PID[$label]=$!; pids+=($!); PORT[$label]=$port; labels+=("$label"); wait_port "$port"
}
