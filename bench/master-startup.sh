#!/bin/bash
# Measures the master's start time: from exec of `bin/baetyl start` to its "services started" log line, for a
# native app of two services (shell-script packages), N runs (default 10). Prints one figure per line, then the
# median. Needs an install tree from scripts/install.sh (default output/); leaves nothing running.
# Usage: bench/master-startup.sh [PREFIX] [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$(cd "${1:-$root/output}" && pwd)"
runs="${2:-10}"
work="$(mktemp -d /tmp/baetyl-startup.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/lib/baetyl" "$work/etc/baetyl" "$work/var/db/baetyl/pkg/bin"
cp "$prefix/bin/baetyl" "$work/bin/"
ln -s "$prefix/lib/baetyl/baetyl-master.jar" "$work/lib/baetyl/baetyl-master.jar"
cat > "$work/var/db/baetyl/pkg/bin/run.sh" <<'SH'
#!/bin/bash
trap 'exit 0' TERM
while true; do sleep 1 & wait $!; done
SH
chmod +x "$work/var/db/baetyl/pkg/bin/run.sh"
echo "entry: bin/run.sh" > "$work/var/db/baetyl/pkg/package.yml"
printf 'mode: native\ngrace: 5s\nserver: {address: unix://var/run/baetyl.sock}\nlogger: {level: info}\n' > "$work/etc/baetyl/conf.yml"
cat > "$work/var/db/baetyl/application.yml" <<'YML'
services:
  - {name: one, image: pkg, replica: 1, mounts: [{name: pkg, path: lib/baetyl/pkg, readonly: true}]}
  - {name: two, image: pkg, replica: 1, mounts: [{name: pkg, path: lib/baetyl/pkg, readonly: true}]}
volumes:
  - {name: pkg, path: var/db/baetyl/pkg}
YML
figures=()
for i in $(seq 1 "$runs"); do
  out="$work/out.$i"
  t0=$(date +%s%N)
  "$work/bin/baetyl" start > "$out" 2>&1 &
  pid=$!
  deadline=$(( $(date +%s) + 30 ))
  until grep -q "services started" "$out"; do
    if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "master did not start:"; cat "$out"; kill -9 "$pid" 2>/dev/null; exit 1
    fi
    sleep 0.005
  done
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  echo "start_to_services_started_ms $ms"
  figures+=("$ms")
  kill -TERM "$pid"; wait "$pid" || true
done
median=$(printf '%s\n' "${figures[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median_ms $median"
