#!/bin/bash
# Measures docker mode start-up: from the exec of `baetyl start` on the docker example (example/docker) to
#   hub: the localhub container accepts an MQTT CONNECT on its published port, and
#   all:  the function manager's three rule clients are subscribed (every replica>0 service is up and working),
# then the stop time (SIGTERM until the master exited and removed its containers).
# Needs: the master jar (mvn package -pl master), the images (scripts/build-images.sh), mosquitto-clients.
# Usage: scripts/bench-docker-startup.sh [RUNS]   (default 5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d /tmp/baetyl-docker-bench.XXXXXX)"
suffix="bench$$"
trap 'kill "$pid" 2>/dev/null || true; docker ps -aq --filter "label=baetyl.workdir=$work" | xargs -r docker rm -f >/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/lib/baetyl"
cp "$root/scripts/baetyl" "$work/bin/baetyl"
cp "$root"/master/target/baetyl-master-*-all.jar "$work/lib/baetyl/baetyl-master.jar"
cp -r "$root/example/docker/." "$work/"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
names='localhub|function-manager|function-python3-sayhi|function-node8-sayhi|function-sql-filter|timer'
# Unique container names (they are instance names) and a free loopback port instead of 1883.
perl -pi -e "s/(?<![-\\w])($names)(?![-\\w])/\$1-$suffix/g; s/- 1883:1883/- 127.0.0.1:$port:1883/; s/- 8883:8883/- 127.0.0.1::8883/" \
  "$work/var/db/baetyl/application.yml" "$work/var/db/baetyl/function-manager-conf/service.yml"
perl -pi -e "s#tcp://localhub:#tcp://localhub-$suffix:#" "$work/var/db/baetyl/timer-conf/service.yml"
certs="$work/var/db/baetyl/localhub-cert-only-for-test"
"$root/scripts/gen-test-certs.sh" "$certs" >/dev/null
chgrp 1000 "$certs/server.key" && chmod g+r "$certs/server.key" # the hub runs as uid/gid 1000

now_ms() { date +%s%3N; }
printf 'run\thub_ms\tall_ms\tstop_ms\n'
for i in $(seq 1 "$runs"); do
  : > "$work/out.log"
  t0=$(now_ms)
  "$work/bin/baetyl" start > "$work/out.log" 2>&1 &
  pid=$!
  hub=""; all=""
  while [ -z "$all" ]; do
    if [ -z "$hub" ] && mosquitto_pub -h 127.0.0.1 -p "$port" -u test -P hahaha -t bench -m x -q 0 2>/dev/null; then
      hub=$(( $(now_ms) - t0 ))
    fi
    if [ -n "$hub" ] && [ "$(grep -c 'rule subscribed' "$work/out.log")" -ge 3 ]; then
      all=$(( $(now_ms) - t0 ))
    fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "master exited:"; tail -20 "$work/out.log"; exit 1; fi
    [ $(( $(now_ms) - t0 )) -lt 120000 ] || { echo "timeout"; tail -20 "$work/out.log"; exit 1; }
    sleep 0.05
  done
  t1=$(now_ms)
  kill -TERM "$pid"; wait "$pid" || true
  stop=$(( $(now_ms) - t1 ))
  left=$(docker ps -aq --filter "label=baetyl.workdir=$work" | wc -l)
  [ "$left" = 0 ] || echo "warning: $left containers left after stop"
  printf '%s\t%s\t%s\t%s\n' "$i" "$hub" "$all" "$stop"
done
