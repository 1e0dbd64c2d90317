#!/bin/bash
# The edge footprint of the native example (issue 18): starts the installed example, measures `baetyl start` to the
# hub answering an MQTT CONNECT, sends one message on `t` so that every function (Python, Node, SQL) gets an instance,
# waits for the answers on t/py3hi, t/node8hi and t/sqlfilter, then prints RSS and PSS of the master and of every
# process below it (from /proc/PID/smaps_rollup), the totals, and each module's start to ready (from the master's
# output, which carries the modules' output).
#
# Builds nothing: run scripts/install.sh first (it makes output/). The install is copied to a temporary directory, so
# it stays untouched; the hub's ports (1883, 8883 in the example) are rewritten there to free ports on 127.0.0.1.
# Everything it starts is stopped by PID (the master with SIGTERM, which stops its services).
# Needs mosquitto-clients (scripts/install-deps.sh) and /usr/bin/python3.
#
# Usage: bench/footprint.sh [PREFIX]        (default: output/)
#   ROUNDS=N   start the example N times (default 1); prints each round and the medians
#   SETTLE=S   seconds to wait after the answers before reading memory (default 5)
#   BAETYL_JAVA_OPTS='...'   the master's JVM flags (replace the launcher's defaults, see bin/baetyl)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-$root/output}"
rounds="${ROUNDS:-1}"
settle="${SETTLE:-5}"
py=/usr/bin/python3
if [ ! -x "$prefix/bin/baetyl" ] || [ ! -f "$prefix/var/db/baetyl/application.yml" ]; then
  echo "error: no native install at $prefix; run scripts/install.sh first (it builds and makes output/)" >&2
  exit 1
fi
for tool in mosquitto_pub mosquitto_sub "$py"; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
prefix="$(cd "$prefix" && pwd)"

work="$(mktemp -d /tmp/baetyl-footprint.XXXXXX)"
master_pid="" stamp_pid="" sub_pid=""
cleanup() {
  for p in $sub_pid $master_pid; do kill -TERM "$p" 2>/dev/null || true; done
  if [ -n "$master_pid" ]; then wait "$master_pid" 2>/dev/null || true; fi
  if [ -n "$stamp_pid" ]; then kill -TERM "$stamp_pid" 2>/dev/null || true; wait "$stamp_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/inst" && cp -a "$prefix/." "$work/inst/"
inst="$work/inst"
rm -rf "$inst/var/run" "$inst/var/log" "$inst/var/db/baetyl/localhub-data"
# The install's archive and the common classes jar record the paths they were made for (so do the archives of each
# JVM's own classes), so the launchers would skip them in the copy: remake them there, as an install at that path would
# (scripts/cds-archive.sh, which also trains the own-class archives). An install without own-class archives (made
# before them, or with them deleted to measure without) stays without them.
if [ -f "$prefix/lib/baetyl/baetyl-jdk.jsa" ]; then
  "$root/scripts/cds-archive.sh" "$inst"
  if [ ! -f "$prefix/lib/baetyl/baetyl-master.jsa.info" ] && [ ! -f "$prefix/var/db/baetyl/baetyl-hub/lib/baetyl-hub.jsa.info" ]; then
    rm -f "$inst"/lib/baetyl/baetyl-master.jsa* "$inst"/var/db/baetyl/*/lib/*.jsa*
  fi
fi

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt_port="$(free_port)"
ssl_port="$(free_port)"
while [ "$ssl_port" = "$mqtt_port" ]; do ssl_port="$(free_port)"; done
# Only the copy's configs change: the hub listens on 127.0.0.1 only, and every client dials the new port.
for f in "$inst"/var/db/baetyl/*/service.yml; do
  sed -i -e "s#0\.0\.0\.0:1883#127.0.0.1:1883#g; s#0\.0\.0\.0:8883#127.0.0.1:8883#g" \
    -e "s#:1883\\b#:$mqtt_port#g; s#:8883\\b#:$ssl_port#g" "$f"
done
echo "# footprint of $prefix (copied to $inst), hub on 127.0.0.1:$mqtt_port, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# master JVM flags: ${BAETYL_JAVA_OPTS:-launcher defaults}"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
mqtt_ok() { mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -u test -P hahaha -i footprint-probe -t footprint/probe -m x -q 0 \
  >/dev/null 2>&1; }

# Descendants of a PID (children first found through /proc/*/stat's parent field), the PID itself first.
tree() {
  local all=("$1") i=0 p
  while [ $i -lt ${#all[@]} ]; do
    for p in $(awk -v pp="${all[$i]}" '{ if ($4 == pp) print $1 }' /proc/[0-9]*/stat 2>/dev/null); do all+=("$p"); done
    i=$((i + 1))
  done
  echo "${all[@]}"
}

# Prints "name rss_kb pss_kb" per process, then "total rss pss".
memory() {
  local p name rss pss
  for p in $(tree "$1"); do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    # Java modules run under their instance name (exec -a); scripts show their interpreter, so the instance is added.
    name="$(basename "$(tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | head -1)")"
    if [ "$p" = "$1" ]; then name="master"
    else
      case "$(basename "$(readlink "/proc/$p/exe")")" in
        node*|python*) name="$name:$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^BAETYL_SERVICE_INSTANCE_NAME=//p' | head -1)" ;;
      esac
    fi
    rss="$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")"
    pss="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")"
    [ -n "$rss" ] && echo "$name $p $rss $pss"
  done
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

# The time (ms since the epoch, stamped when the line was read) of the first output line matching a regex.
first_ms() { { grep -m1 -E "$1" "$work/out" 2>/dev/null || true; } | cut -d' ' -f1; }

modules=("localhub:hub started" "function-manager:function manager started" "timer:timer started"
  "function-sql-filter:service started: name=" "function-python3-sayhi:python3-sayhi.*service starting"
  "function-node8-sayhi:node8-sayhi.*service starting")
hub_ms_all=() rss_all=() pss_all=() master_rss_all=() master_pss_all=()
for round in $(seq 1 "$rounds"); do
  rm -rf "$inst/var/run" "$work/out" "$work/fifo" "$work/sub"
  mkfifo "$work/fifo"
  # Each line of the master's output (its own and its services') is stamped with the time it was read.
  "$py" -u -c '
import sys, time
for line in sys.stdin:
    sys.stdout.write("%d %s" % (time.time_ns() // 1000000, line))
' < "$work/fifo" > "$work/out" &
  stamp_pid=$!
  t0="$(now_ms)"
  "$inst/bin/baetyl" start > "$work/fifo" 2>&1 &
  master_pid=$!
  deadline=$(( $(date +%s) + 120 ))
  until mqtt_ok; do
    if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$master_pid" 2>/dev/null; then
      echo "error: the hub did not answer within 120 s; the master's output:" >&2; tail -50 "$work/out" >&2; exit 1
    fi
    sleep 0.02
  done
  hub_ms=$(( $(now_ms) - t0 ))
  until grep -q "function manager started" "$work/out"; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "error: the function manager did not start" >&2; tail -50 "$work/out" >&2; exit 1; fi
    sleep 0.05
  done
  mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -u test -P hahaha -i footprint-sub -v -t t/py3hi -t t/node8hi -t t/sqlfilter \
    > "$work/sub" 2>&1 &
  sub_pid=$!
  sleep 0.5 # mosquitto_sub has no ready signal; a second message below covers a subscription that came late
  # One message: each function gets an instance. Repeating it while instances start would make the function manager
  # start more of them (as would the example's timer, every 10 s), so it is sent again only after 30 s without answers.
  answered=""
  for attempt in 1 2 3 4; do
    mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -u test -P hahaha -i footprint-pub -t t -m '{"id":1}' -q 1
    for _ in $(seq 1 300); do
      if grep -q '^t/py3hi ' "$work/sub" && grep -q '^t/node8hi ' "$work/sub" && grep -q '^t/sqlfilter ' "$work/sub"; then
        answered=yes; break 2
      fi
      sleep 0.1
    done
  done
  answers_ms=$(( $(now_ms) - t0 ))
  kill -TERM "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true; sub_pid=""
  [ -n "$answered" ] || { echo "error: not every function answered; got:" >&2; cat "$work/sub" >&2; tail -50 "$work/out" >&2; exit 1; }
  sleep "$settle"
  memory "$master_pid" > "$work/mem"

  echo "## round $round"
  echo "start_to_hub_answering_ms $hub_ms"
  echo "start_to_all_functions_answered_ms $answers_ms (one message on t, instances started on demand)"
  echo "# ms after 'baetyl start'; spawned: the master's 'service started' line, or for an on-demand function its"
  echo "# 'instance start requested' line; ready: the module's own log line"
  echo "module  spawned_ms  ready_ms"
  for m in "${modules[@]}"; do
    svc="${m%%:*}" pat="${m#*:}"
    # Function services have replica 0: their first instance is started on demand, at the manager's request.
    spawned="$(first_ms "instance start requested: .*service=$svc ")"
    [ -n "$spawned" ] || spawned="$(first_ms "service started: service=$svc\$")"
    ready="$(first_ms "$pat")"
    printf '%-24s %10s %8s\n' "$svc" "${spawned:+$((spawned - t0))}" "${ready:+$((ready - t0))}"
  done
  echo "process  pid  rss_mb  pss_mb"
  # Instances beyond the first of a function (the example's timer or a slow start can make the manager start more)
  # are listed, and left out of the second total so that rounds compare.
  awk '{printf "%-48s %7s %7.1f %7.1f\n", $1, $2, $3/1024, $4/1024; r += $3; p += $4
        if ($1 !~ /\.([2-9]|[1-9][0-9]+)$/) {r1 += $3; p1 += $4}}
       END {printf "%-48s %7s %7.1f %7.1f\n", "total", "", r/1024, p/1024
            printf "%-48s %7s %7.1f %7.1f\n", "total_one_instance_per_function", "", r1/1024, p1/1024}' "$work/mem"
  hub_ms_all+=("$hub_ms")
  rss_all+=("$(awk '$1 !~ /\.([2-9]|[1-9][0-9]+)$/ {r += $3} END {printf "%.1f", r/1024}' "$work/mem")")
  pss_all+=("$(awk '$1 !~ /\.([2-9]|[1-9][0-9]+)$/ {p += $4} END {printf "%.1f", p/1024}' "$work/mem")")
  master_rss_all+=("$(awk '$1 == "master" {printf "%.1f", $3/1024}' "$work/mem")")
  master_pss_all+=("$(awk '$1 == "master" {printf "%.1f", $4/1024}' "$work/mem")")

  kill -TERM "$master_pid"
  wait "$master_pid" || true
  master_pid=""
  wait "$stamp_pid" 2>/dev/null || true
  stamp_pid=""
done
if [ "$rounds" -gt 1 ]; then
  echo "## median of $rounds rounds"
  echo "start_to_hub_answering_ms $(printf '%s\n' "${hub_ms_all[@]}" | median)"
  echo "total_rss_mb_one_instance_per_function $(printf '%s\n' "${rss_all[@]}" | median)"
  echo "total_pss_mb_one_instance_per_function $(printf '%s\n' "${pss_all[@]}" | median)"
  echo "master_rss_mb $(printf '%s\n' "${master_rss_all[@]}" | median)"
  echo "master_pss_mb $(printf '%s\n' "${master_pss_all[@]}" | median)"
fi
