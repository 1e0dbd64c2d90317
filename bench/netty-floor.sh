#!/bin/bash
# The floor of the hub's latency on this machine (issue 14): bench/broker-rtt.py against the hub as shipped (c1: 2
# event loops, C1), against io.baetyl.bench.NettyFloor with the hub's JVM flags on 2 loops (floor2), on 1 loop
# (floor1) and on 2 loops with C2 (floor2c2), and against Mosquitto (as in hub-rtt-variants.sh), all on free ports of
# 127.0.0.1. NettyFloor is Netty's epoll transport and a frame splitter that forwards each PUBLISH's bytes: what
# every Netty broker pays before any MQTT work. If it is slower than Mosquitto, no change to the hub's MQTT path
# can bring the hub to Mosquitto's latency on these flags. Warms each with 10,000 messages per QoS at 2,000/s, then
# ROUNDS times, for QoS 0 and 1 at 200 and 2,000 msg/s, 5 s each, prints p50/p90/p99 and the broker's CPU per
# message (utime + stime, all threads). Stops everything it started, by PID.
# Needs: mvn package (the hub's and the bench's jars), mosquitto, /usr/bin/python3.
# Usage: bench/netty-floor.sh [ROUNDS]   (default 2; about 3 minutes a round)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
rtt=(/usr/bin/python3 "$root/bench/broker-rtt.py")
work="$(mktemp -d /tmp/baetyl-floor.XXXXXX)"
. "$root/bench/lib/brokers.sh" # start_hub, start_floor, start_mosquitto, cpu_ticks; stops them on exit
start_hub c1
start_floor floor2 2
start_floor floor1 1
start_floor floor2c2 2 -XX:TieredStopAtLevel=4 -XX:CICompilerCount=2
start_mosquitto mosq
tck="$(getconf CLK_TCK)"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for l in "${labels[@]}"; do for q in 0 1; do "${rtt[@]}" "${PORT[$l]}" $q 2000 10000 test hahaha > /dev/null; done; done
echo "warm, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  echo "round $r"
  for rate in 200 2000; do for q in 0 1; do for l in "${labels[@]}"; do
    c0=$(cpu_ticks "${PID[$l]}")
    out=$("${rtt[@]}" "${PORT[$l]}" $q $rate $((rate * 5)) test hahaha)
    c1=$(cpu_ticks "${PID[$l]}")
    awk -v l="$l" -v o="$out" -v c=$((c1 - c0)) -v n=$((rate * 6)) -v t="$tck" \
      'BEGIN { printf "%-8s %s cpu_us_per_msg=%.0f\n", l, o, c * 1e6 / t / n }'
  done; done; done
done
echo "end, load: $(cut -d' ' -f1-3 /proc/loadavg)"
