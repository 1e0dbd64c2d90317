#!/bin/bash
# Memory of ONE function runtime instance (issue 18): the Node or Python runtime serving the native example's
# function (example/native/var/db/baetyl/function-sayhi-code or -sayjs-code, the example's service.yml), started
# as the native engine starts it (its entry executed through `bash -c 'exec -a NAME "$@"'`, in a work dir with
# etc/baetyl/service.yml and the code mounted at the configured codedir, the address from
# BAETYL_SERVICE_INSTANCE_ADDRESS). After CALLS calls over gRPC and SETTLE seconds it prints RSS, PSS and private
# memory from /proc/PID/smaps_rollup and the thread count, then stops the runtime (SIGTERM, by PID).
# PSS counts shared pages (libnode, libpython, the grpc .so) divided by the processes mapping them, so it moves a
# a lot with what else runs on the machine (another node process shares most of /usr/bin/node's 37 MB), and so
# does Private (clean + dirty); RSS and Anonymous (the process's own heap and stacks) do not.
#
# Usage: bench/function-runtime-footprint.sh node|python3|python27 [ROUNDS]
#   ENTRY=path   the program to run instead of the repository's bin/ script (e.g. a variant under test)
#   LAUNCH='node --flag'  run "$LAUNCH ENTRY" instead of executing ENTRY (to measure interpreter flags alone)
#   CALLS=N (default 20)  SETTLE=S (default 2)
#   CPU_CALLS=N (default 0)  after the CALLS calls, N more one at a time: prints the runtime's CPU time per call
#              (utime + stime from /proc/PID/stat) and the calls per second of that sequential run
# Needs /usr/bin/python3 with python3-grpcio (the client), node and function-node/node_modules (npm ci).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:?usage: $0 node|python3|python27 [ROUNDS]}"
rounds="${2:-3}"
calls="${CALLS:-20}"
settle="${SETTLE:-2}"
py=/usr/bin/python3
ex="$root/example/native/var/db/baetyl"
case "$kind" in
  node) entry="${ENTRY:-$root/function-node/bin/function-node.js}"; conf="$ex/function-sayjs-conf"; code="$ex/function-sayjs-code"
        fname=node8-sayhi ;;
  python3) entry="${ENTRY:-$root/function-python/bin/function-python3.py}"; conf="$ex/function-sayhi-conf"
           code="$ex/function-sayhi-code"; fname=python3-sayhi ;;
  python27) entry="${ENTRY:-$root/function-python/bin/function-python27.py}"; conf="$ex/function-sayhi-conf"
            code="$ex/function-sayhi-code"; fname=python3-sayhi ;;
  *) echo "error: unknown runtime $kind (node, python3 or python27)" >&2; exit 2 ;;
esac
work="$(mktemp -d /tmp/fn-footprint.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/etc/baetyl" "$work/var/db/baetyl"
cp "$conf/service.yml" "$work/etc/baetyl/service.yml"
cp -r "$code" "$work/var/db/baetyl/function-sayhi"

# client: a raw-bytes unary call of /baetyl.Function/Call (FunctionMessage encoded by hand), CALLS times
client="$work/client.py"
cat > "$client" <<'PY'
import sys, time, grpc
def varint(n):
    out = b''
    while True:
        b = n & 0x7f; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def field(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data
addr, name, calls, pid, cpu_calls = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def cpu_ticks():
    with open('/proc/%s/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])
ch = grpc.insecure_channel(addr)
call = ch.unary_unary('/baetyl.Function/Call')
deadline = time.time() + 60
while True:
    try:
        grpc.channel_ready_future(ch).result(timeout=1); break
    except grpc.FutureTimeoutError:
        if time.time() > deadline: sys.exit('runtime not ready')
def run(n):
    for i in range(n):
        msg = varint(1 << 3) + varint(i + 1) + varint(2 << 3) + varint(1) + field(3, b't') + \
              field(4, b'{"id":%d}' % i) + field(11, name.encode()) + field(12, b'inv-%d' % i)
        reply = call(msg, timeout=30)
        if b'Hello Baetyl' not in reply: sys.exit('bad reply %r' % reply)
run(calls)
if cpu_calls:
    import os
    t0, c0 = time.time(), cpu_ticks()
    run(cpu_calls)
    t1, c1 = time.time(), cpu_ticks()
    hz = os.sysconf('SC_CLK_TCK')
    print('cpu_us_per_call %.0f calls_per_s %.0f' % ((c1 - c0) * 1e6 / hz / cpu_calls, cpu_calls / (t1 - t0)))
PY

field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/smaps_rollup"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf '%-6s %8s %8s %11s %8s %8s\n' round RSS_MB PSS_MB private_MB anon_MB threads
rss_all="" pss_all="" priv_all="" anon_all=""
for r in $(seq "$rounds"); do
  port="$($py -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
  if [ -n "${LAUNCH:-}" ]; then
    # shellcheck disable=SC2086
    (cd "$work" && BAETYL_SERVICE_INSTANCE_ADDRESS="127.0.0.1:$port" BAETYL_SERVICE_INSTANCE_NAME="fp-$kind" \
      exec /bin/bash -c 'exec -a "$0" "$@"' "fp-$kind" $LAUNCH "$entry" 2>>"$work/runtime.log") &
  else
    (cd "$work" && BAETYL_SERVICE_INSTANCE_ADDRESS="127.0.0.1:$port" BAETYL_SERVICE_INSTANCE_NAME="fp-$kind" \
      exec /bin/bash -c 'exec -a "$0" "$@"' "fp-$kind" "$entry" 2>>"$work/runtime.log") &
  fi
  pid=$!
  if ! $py "$client" "127.0.0.1:$port" "$fname" "$calls" "$pid" "${CPU_CALLS:-0}"; then
    echo "error: the runtime did not answer; its output:" >&2; cat "$work/runtime.log" >&2; exit 1
  fi
  sleep "$settle"
  rss=$(field Rss "$pid"); pss=$(field Pss "$pid")
  priv=$(( $(field Private_Clean "$pid") + $(field Private_Dirty "$pid") ))
  anon=$(field Anonymous "$pid")
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
  printf '%-6s %8s %8s %11s %8s %8s\n' "$r" "$(mb "$rss")" "$(mb "$pss")" "$(mb "$priv")" "$(mb "$anon")" "$threads"
  rss_all="$rss_all $rss" pss_all="$pss_all $pss" priv_all="$priv_all $priv" anon_all="$anon_all $anon"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-6s %8s %8s %11s %8s\n' median "$(mb "$(echo "$rss_all" | median)")" "$(mb "$(echo "$pss_all" | median)")" \
  "$(mb "$(echo "$priv_all" | median)")" "$(mb "$(echo "$anon_all" | median)")"
