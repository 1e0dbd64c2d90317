#!/bin/bash
# Broker-only latency of hub variants side by side with Mosquitto (issue 14: where the hub's p50 goes). Starts the hub
# as shipped ("c1": hub/jvm.options, as the install's launcher uses them, 2 event loops here, each filled with 8
# connections before the next is used: LoopPlacement), the same with connections dealt round-robin ("rr":
# -Dbaetyl.hub.loopFill=0), with one event loop ("loop1"), and Mosquitto (set_tcp_nodelay, no persistence, as bench/hub-vs-mosquitto.sh), all on
# free ports of 127.0.0.1. Warms each with 10,000 messages per QoS at 2,000/s, then ROUNDS times, for QoS 0 and 1 at 200
# and 2,000 msg/s, runs bench/broker-rtt.py (one thread, plain sockets, 5 s of messages) against each in turn. Per run
# it prints the p50/p90/p99 round trip, the broker's CPU per message (utime + stime from /proc/PID/stat, all threads)
# and its event-loop threads' voluntary context switches per message (each one a sleep and a wake-up). Stops
# everything it started, by PID. Needs: mvn package (the hub jar), mosquitto, /usr/bin/python3.
# Usage: bench/hub-rtt-variants.sh [ROUNDS]   (default 2; about 3 minutes a round)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
rtt=(/usr/bin/python3 "$root/bench/broker-rtt.py")
work="$(mktemp -d /tmp/baetyl-rttvar.XXXXXX)"
. "$root/bench/lib/brokers.sh" # start_hub, start_mosquitto, cpu_ticks; stops them on exit
start_hub c1
start_hub rr -Dbaetyl.hub.loopFill=0
start_hub loop1 -Dbaetyl.hub.eventLoops=1
start_mosquitto mosq
tck="$(getconf CLK_TCK)"
loop_switches() { # voluntary context switches of the I/O threads (the hub's hub-io-*, Mosquitto's one thread)
  local sum=0 t
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm")" in hub-io-*|mosquitto) sum=$((sum + $(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status"))) ;; esac
  done
  echo "$sum"
}
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for l in "${labels[@]}"; do for q in 0 1; do "${rtt[@]}" "${PORT[$l]}" $q 2000 10000 test hahaha > /dev/null; done; done
echo "warm, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  echo "round $r"
  for rate in 200 2000; do for q in 0 1; do for l in "${labels[@]}"; do
    c0=$(cpu_ticks "${PID[$l]}"); s0=$(loop_switches "${PID[$l]}")
    out=$("${rtt[@]}" "${PORT[$l]}" $q $rate $((rate * 5)) test hahaha)
    c1=$(cpu_ticks "${PID[$l]}"); s1=$(loop_switches "${PID[$l]}")
    n=$((rate * 6)) # with the one-second warm-up
    awk -v l="$l" -v o="$out" -v c=$((c1 - c0)) -v s=$((s1 - s0)) -v n=$n -v t="$tck" \
      'BEGIN { printf "%-6s %s cpu_us_per_msg=%.0f loop_sleeps_per_msg=%.2f\n", l, o, c * 1e6 / t / n, s / n }'
  done; done; done
done
