#!/bin/bash
# What the console and /metrics cost the master in resident memory (docs/PERFORMANCE.md, "Console and metrics").
# Runs the real launcher and master jar on a temporary install with one small service, ROUNDS times with both off
# (conf.yml as shipped) and ROUNDS times with both on; with them on it logs in, loads every page's data
# (as the page does) and scrapes /metrics REQUESTS times. In both modes the service calls the REST API REQUESTS
# times (inspect and a report, as every module does), so that what the master loads for its API anyway is not
# counted as the console's. Then, in both modes, it runs a full GC (jcmd GC.run),
# waits SETTLE seconds and reads the master's VmRSS and the heap in use.
# The launcher's JVM options are used, plus -XX:+AlwaysPreTouch: the master's heap (-Xmx128m, committed at start)
# is then resident from the start in both modes, so the RSS difference is what the console and metrics add outside
# the heap (classes, compiled code, threads, buffers), and the heap difference after the full GC is what they keep on
# the heap. Without pre-touching, RSS mostly tells how much of the young generation any traffic has touched so far,
# which the master's own API traffic (reports every few seconds) touches as well, given time.
# Usage: bench/operator-memory.sh [master-jar]   (default: master/target/baetyl-master-*-all.jar; build it first)
# Only 127.0.0.1 is used; every process it starts is stopped by PID.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="${1:-$(ls "$root"/master/target/baetyl-master-*-all.jar | head -1)}"
ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-50}"
SETTLE="${SETTLE:-15}"
work="$(mktemp -d /tmp/operator-memory.XXXXXX)"
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

install_tree() { # dir
  local h="$1"
  mkdir -p "$h"/{bin,lib/baetyl,etc/baetyl,var/db/baetyl/pkg/bin,var/db/baetyl/svc-log,var/db/baetyl/svc-conf}
  cp "$root/scripts/baetyl" "$h/bin/"
  ln -s "$jar" "$h/lib/baetyl/baetyl-master.jar"
  printf '#!/bin/sh\necho started >> var/log/baetyl/service.log\nexec sleep 100000\n' > "$h/var/db/baetyl/pkg/bin/run.sh"
  chmod +x "$h/var/db/baetyl/pkg/bin/run.sh"
  echo "entry: bin/run.sh" > "$h/var/db/baetyl/pkg/package.yml"
  echo "a: 1" > "$h/var/db/baetyl/svc-conf/service.yml"
  cat > "$h/var/db/baetyl/application.yml" <<'APP'
version: v0
services:
  - name: svc
    image: pkg
    replica: 1
    mounts:
      - {name: pkg, path: lib/baetyl/pkg, readonly: true}
      - {name: svc-log, path: var/log/baetyl}
      - {name: svc-conf, path: etc/baetyl, readonly: true}
volumes:
  - {name: pkg, path: var/db/baetyl/pkg}
  - {name: svc-log, path: var/db/baetyl/svc-log}
  - {name: svc-conf, path: var/db/baetyl/svc-conf}
APP
}

run() { # on|off round
  local mode="$1" h="$work/$1-$2"
  install_tree "$h"
  local cport mport
  cport=$(free_port); mport=$(free_port)
  printf 'mode: native\ngrace: 2s\nserver:\n  address: unix://var/run/baetyl.sock\nlogger:\n  path: var/log/baetyl/baetyl.log\n' \
    > "$h/etc/baetyl/conf.yml"
  if [ "$mode" = on ]; then
    local hash
    hash=$(echo -n bench-secret | java -cp "$jar" io.baetyl.master.cli.BaetylCommand hash-password)
    cat >> "$h/etc/baetyl/conf.yml" <<CONF
console:
  enabled: true
  address: tcp://127.0.0.1:$cport
  users: [{username: admin, password: '$hash', restart: ['*'], update: true}]
metrics:
  enabled: true
  address: tcp://127.0.0.1:$mport
CONF
  fi
  BAETYL_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmx128m -XX:+AlwaysPreTouch" \
    "$h/bin/baetyl" start > "$h/master.out" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do grep -q "services started" "$h/master.out" && break; sleep 0.5; done
  # The service's API traffic, as in every deployment (modules report): inspect and a report, with its token.
  local spid token
  spid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["svc"]["svc"]["process"]["id"])' \
    "$h/var/db/baetyl/application.stats")
  token=$(tr '\0' '\n' < "/proc/$spid/environ" | sed -n 's/^BAETYL_SERVICE_TOKEN=//p')
  for _ in $(seq 1 "$REQUESTS"); do
    curl -s -o /dev/null --unix-socket "$h/var/run/baetyl.sock" -H "x-openedge-username: svc" \
      -H "x-openedge-password: $token" http://baetyl/v1/system/inspect
    curl -s -o /dev/null --unix-socket "$h/var/run/baetyl.sock" -H "x-openedge-username: svc" \
      -H "x-openedge-password: $token" -X PUT -d '{"stats":{"n":1}}' http://baetyl/v1/services/svc/instances/svc/report
  done
  if [ "$mode" = on ]; then
    curl -s -c "$h/cj" -o /dev/null -X POST -d '{"username":"admin","password":"bench-secret"}' \
      "http://127.0.0.1:$cport/api/login"
    for _ in $(seq 1 "$REQUESTS"); do
      for p in "" app.js chart.js app.css api/overview api/rates api/services/svc api/hub api/functions api/ota; do
        curl -s -b "$h/cj" -o /dev/null "http://127.0.0.1:$cport/$p"
      done
      curl -s -o /dev/null "http://127.0.0.1:$mport/metrics"
    done
  fi
  local jpid
  jpid=$(pgrep -P "$pid" java || echo "$pid") # the launcher execs the JVM, so this is the same pid
  jcmd "$jpid" GC.run > /dev/null
  sleep "$SETTLE"
  local rss heap
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$jpid/status")
  heap=$(jcmd "$jpid" GC.heap_info | grep -E '(new|tenured) generation' \
    | sed -E 's/.*used ([0-9]+)K.*/\1/' | awk '{sum += $1} END {print sum}')
  kill "$pid"; wait "$pid" || true
  echo "$rss $heap"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024)" MiB"}' /proc/meminfo); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "jar: $jar; rounds: $ROUNDS; requests with it on: $REQUESTS x (10 console + 1 /metrics); settle: ${SETTLE}s"
off=(); on=(); hoff=(); hon=()
for r in $(seq 1 "$ROUNDS"); do
  read -r a b <<< "$(run off "$r")"; off+=("$a"); hoff+=("$b")
  read -r a b <<< "$(run on "$r")"; on+=("$a"); hon+=("$b")
  echo "round $r: RSS off ${off[-1]} KiB, on ${on[-1]} KiB; heap in use after full GC off ${hoff[-1]} KiB, on ${hon[-1]} KiB"
done
moff=$(printf '%s\n' "${off[@]}" | median); mon=$(printf '%s\n' "${on[@]}" | median)
mhoff=$(printf '%s\n' "${hoff[@]}" | median); mhon=$(printf '%s\n' "${hon[@]}" | median)
echo "median RSS: off $moff KiB, on $mon KiB, difference $((mon - moff)) KiB"
echo "median heap in use: off $mhoff KiB, on $mhon KiB, difference $((mhon - mhoff)) KiB"
echo "added: $(awk "BEGIN {printf \"%.1f\", ($mon-$moff+$mhon-$mhoff)/1024}") MiB (RSS outside the heap + heap kept)"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
