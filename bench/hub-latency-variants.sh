#!/bin/bash
# Latency of hub variants side by side with Mosquitto (issue 14: which JIT, how connections are placed on the event
# loops). Starts three hubs (shaded jar, hub/jvm.options as the install's launcher uses them): as shipped ("c1",
# each loop filled with 8 connections before the next is used: LoopPlacement), with connections dealt round-robin
# ("rr": -Dbaetyl.hub.loopFill=0), with C2 and the native heap trimmed every 2 s ("c2trim", what C2 would cost in memory), and Mosquitto (set_tcp_nodelay, no persistence, as in bench/hub-vs-mosquitto.sh), all on free ports
# of 127.0.0.1; warms each with `latency --rate 2000 --count 10000` per QoS, then ROUNDS times, for QoS 0/1/2 at 200
# and 2,000 msg/s, runs `latency --count 5*rate` against each in turn. Prints p50/p99 per run and the hubs' RSS at the
# end. Stops everything it started, by PID. Needs: mvn package (hub and bench jars) and mosquitto.
# Usage: bench/hub-latency-variants.sh [ROUNDS]   (default 2; about 4 minutes a round)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
bench=(java -Xmx512m -jar "$(ls "$root"/bench/target/baetyl-bench-*-all.jar)")
work="$(mktemp -d /tmp/baetyl-latvar.XXXXXX)"
. "$root/bench/lib/brokers.sh" # start_hub, start_mosquitto; stops them on exit
start_hub c1
start_hub rr -Dbaetyl.hub.loopFill=0
start_hub c2trim -XX:TieredStopAtLevel=4 -XX:CICompilerCount=2 -XX:TrimNativeHeapInterval=2000
start_mosquitto mosq
run() { # label bench-args...
  local label=$1; shift
  "${bench[@]}" "$@" --port "${PORT[$label]}" --username test --password hahaha --pid "${PID[$label]}" 2>/dev/null \
    | grep -E 'p50|p99|received' | tr '\n' ' ' | sed "s/^/$label $* : /"; echo
}
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in c1 rr c2trim mosq; do for q in 0 1 2; do run $t latency --qos $q --rate 2000 --count 10000 --timeout 30 >/dev/null; done; done
echo "warm, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  echo "round $r"
  for q in 0 1 2; do for rate in 200 2000; do for t in c1 rr c2trim mosq; do
    run $t latency --qos $q --rate $rate --count $((rate * 5)) --timeout 30
  done; done; done
done
for t in c1 rr c2trim; do echo "$t RSS $(awk '/VmRSS/ {print $2}' "/proc/${PID[$t]}/status") kB"; done
