#!/bin/bash
# The floor of the master's idle RSS on its fixed libraries (issue 18). Runs io.baetyl.bench.MasterFloor (a YAML
# config bound with Jackson, an HTTP API on a Unix socket on Netty's epoll transport, JSON answers, logback: the least
# the master does while idle) with the master's JVM flags and class path, beside an empty JVM with the same flags,
# and prints RSS and PSS of each 8 s after one API request. Variants:
#   empty        a JVM that only sleeps (the JDK's own CDS archive)
#   floor        MasterFloor on the JDK's own CDS archive
#   floor-cds    MasterFloor on an archive of its own classes (dumped here first, as the install does for the master)
#   floor-xint   floor-cds interpreted (no JIT at all)
# If floor-cds is above the master's target (48 MB RSS), no flag or code of the master's own brings it there; only
# other libraries would.
# Needs: mvn package (bench/target/classes), scripts/install.sh (the master's launcher and jar), /usr/bin/python3.
# Usage: bench/master-floor.sh [PREFIX]   (default output/)
#   ROUNDS=N (default 3)   SETTLE=S seconds after the request (default 8)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-$root/output}"
rounds="${ROUNDS:-3}"
settle="${SETTLE:-8}"
py=/usr/bin/python3
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
master_jar="$prefix/lib/baetyl/baetyl-master.jar"
classes="$root/bench/target/classes"
if [ ! -f "$master_jar" ] || [ ! -x "$prefix/bin/baetyl" ]; then
  echo "error: no install at $prefix; run scripts/install.sh" >&2; exit 1
fi
if [ ! -f "$classes/io/baetyl/bench/MasterFloor.class" ]; then
  echo "error: $classes has no MasterFloor; run mvn package" >&2; exit 1
fi
# The master's default flags, as its launcher gives them when BAETYL_JAVA_OPTS is unset.
read -r -a flags <<< "$(sed -n 's/.*\${BAETYL_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$prefix/bin/baetyl")"
[ "${#flags[@]}" -gt 0 ] || { echo "error: no default flags found in $prefix/bin/baetyl" >&2; exit 1; }

work="$(mktemp -d /tmp/baetyl-master-floor.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$classes" && "$jar" cf "$work/floor.jar" io/baetyl/bench/MasterFloor*.class)
cp="$work/floor.jar:$master_jar"
app="$prefix/var/db/baetyl/application.yml"
sock="$work/api.sock"

request() { # one GET on the floor's socket; fails unless it answers 200
  "$py" - "$sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b"GET /v1/services HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
head = s.recv(65536)
sys.exit(0 if head.startswith(b"HTTP/1.1 200") else 1)
EOF
}

start_floor() { # log hold-ms extra-flags...
  local log=$1 hold=$2; shift 2
  rm -f "$sock"
  "$java" "${flags[@]}" "$@" -cp "$cp" io.baetyl.bench.MasterFloor "$app" "$sock" "$hold" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    if grep -q 'listening on' "$log"; then request; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "error: the floor did not listen within 30 s" >&2; return 1
}

measure() { # label: RSS and PSS of $pid, then stop it
  [ -r "/proc/$pid/smaps_rollup" ] || { echo "error: $1 exited before it was measured" >&2; exit 1; }
  awk -v l="$1" '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {printf "%-11s rss_mb %5.1f  pss_mb %5.1f\n", l, r/1024, p/1024}' \
    "/proc/$pid/smaps_rollup" | tee -a "$work/results"
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
}

echo "# master floor, $(date -u '+%F %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# java: $("$java" -version 2>&1 | head -1)"
echo "# master flags: ${flags[*]}"
# The archive of the floor's own classes, dumped at the exit of one run that served a request (the install dumps the
# master's the same way, from a training run).
start_floor "$work/dump.log" 1500 -XX:ArchiveClassesAtExit="$work/floor.jsa"
wait "$pid"; pid=""
[ -s "$work/floor.jsa" ] || { echo "error: no archive dumped" >&2; cat "$work/dump.log" >&2; exit 1; }

for r in $(seq "$rounds"); do
  echo "## round $r"
  "$java" "${flags[@]}" -cp "$cp" 'io.baetyl.bench.MasterFloor$Empty' 600000 > "$work/empty.log" 2>&1 &
  pid=$!
  sleep "$((settle + 2))"
  measure empty
  start_floor "$work/floor.log" 600000; sleep "$settle"; measure floor
  start_floor "$work/cds.log" 600000 -XX:SharedArchiveFile="$work/floor.jsa"; sleep "$settle"; measure floor-cds
  start_floor "$work/xint.log" 600000 -XX:SharedArchiveFile="$work/floor.jsa" -Xint; sleep "$settle"; measure floor-xint
done
if grep -qi 'error\|warn' "$work/cds.log"; then echo "# floor-cds printed:"; grep -i 'error\|warn' "$work/cds.log"; fi
echo "## medians"
med() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; } # median of one column
for l in empty floor floor-cds floor-xint; do
  printf '%-11s rss_mb %5.1f  pss_mb %5.1f\n' "$l" "$(awk -v l="$l" '$1 == l {print $3}' "$work/results" | med)" \
    "$(awk -v l="$l" '$1 == l {print $5}' "$work/results" | med)"
done
