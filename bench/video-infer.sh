#!/bin/bash
# video-infer benchmarks (issue 16), on the docs' chapter 11 app under the real master in native mode, with the
# generated model (blob 300x300, the docs' process.before) and a generated video:
#   1. throughput: the video file played in a loop with limit.fps 0 (every frame inferred): results/s at an
#      MQTT subscriber, and capture-to-delivery latency (receive time minus the frame's capture time);
#   2. OpenCV alone on the same model and video (decode, blob, forward in one thread): the floor to compare with;
#   3. a live camera stand-in (ffmpeg serving the video as an MJPEG HTTP stream in real time, 10 frames/s) for
#      MINUTES minutes: latency at that rate, and video-infer's RSS every 10 s.
# Usage: bench/video-infer.sh [MINUTES]     (default 10; the install's jars must be built: mvn -DskipTests package)
# Environment: SIZE=WxH frame size of the video (default 640x480), KEEP=1 keeps the work dir.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
minutes="${1:-10}"
size="${SIZE:-640x480}"
work="$(mktemp -d /tmp/video-infer-bench.XXXXXX)"
home="$work/baetyl"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[video-infer-bench $(date +%T)] $*" >&2; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

log "installing the chapter 11 app into $home (video $size, 60 s, looped)"
(cd "$root" && SKIP_BUILD=1 EXAMPLE=video-infer scripts/install.sh "$home" >/dev/null)
"$root/video-infer/tools/use-test-data.sh" "$home" --loop --seconds 60 --size "$size" >/dev/null
db="$home/var/db/baetyl"
mqtt="$(free_port)"; grpc="$(free_port)"; cam="$(free_port)"
sed -i "s#tcp://0.0.0.0:1883#tcp://127.0.0.1:$mqtt#" "$db/localhub-conf/service.yml"
for c in function-manager-conf video-infer-conf; do
  sed -i "s#tcp://127.0.0.1:1883#tcp://127.0.0.1:$mqtt#; s#127.0.0.1:50051#127.0.0.1:$grpc#; s#level: \"debug\"#level: \"info\"#" \
    "$db/$c/service.yml"
done
sed -i 's#^    fps: 1$#    fps: 0#' "$db/video-infer-conf/service.yml"
sed -i 's#^  level: debug$#  level: info#' "$home/etc/baetyl/conf.yml"

master=""
start_master() { # name
  (cd "$home" && exec bin/baetyl start >"$work/master-$1.out" 2>&1) &
  master=$!; pids+=("$master")
  log "master started (pid $master); waiting for the first result"
  local until=$((SECONDS + 180))
  until timeout 10 mosquitto_sub -h 127.0.0.1 -p "$mqtt" -u test -P hahaha -t video/infer/result -C 1 \
      >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$until" ] || { echo "no result within 180 s; see $work/master-$1.out" >&2; exit 1; }
    sleep 1
  done
}
stop_master() {
  kill "$master"; wait "$master" 2>/dev/null || true
}
video_infer_pid() {
  for d in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null | grep -q "$home/.*baetyl-video-infer.jar"; then
      basename "$d"; return
    fi
  done
}
subscribe() { # name seconds
  timeout "$2" mosquitto_sub -h 127.0.0.1 -p "$mqtt" -u test -P hahaha -t video/infer/result -F '%U %p' \
    > "$work/$1.msgs" 2>/dev/null || true
}
report() { # name
  /usr/bin/python3 - "$work/$1.msgs" "$1" <<'EOF'
import json, sys
lat, times = [], []
for line in open(sys.argv[1]):
    ts, _, payload = line.partition(' ')
    m = json.loads(payload)
    recv = float(ts)
    times.append(recv)
    lat.append(recv * 1000 - m['messageTimestamp'])  # analyse.py: capture time in ms
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
span = times[-1] - times[0] if len(times) > 1 else 0
print("%s: results=%d over %.1f s = %.1f results/s; capture-to-delivery ms: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f"
      % (sys.argv[2], len(times), span, (len(times) - 1) / span if span else 0, q(.5), q(.9), q(.99), lat[-1]))
EOF
}

# --- 1. throughput: the looped file, every frame ---
start_master file
log "measuring throughput for 60 s"
subscribe throughput 60
report throughput
grep -h "stats:\|video-infer stopped" "$db/demo-log/infer-service.log" | tail -1 | sed 's/^/  video-infer /' || true
stop_master

# --- 2. OpenCV alone, same model and video ---
# Compiled, not run as a source file: the JNI library must be loaded by the class loader of OpenCV's classes.
javac -nowarn -d "$work/baseline" -cp /usr/share/java/opencv.jar "$root/bench/video-infer/OpenCvBaseline.java" 2>/dev/null
java -cp "/usr/share/java/opencv.jar:$work/baseline" OpenCvBaseline \
  "$db/infer-person-model/brightness-ssd.onnx" "$db/infer-video/object.mp4" 30 2>/dev/null

# --- 3. live stream at 10 frames/s for MINUTES, RSS every 10 s ---
ffmpeg -nostdin -v error -re -stream_loop -1 -i "$db/infer-video/object.avi" -c copy -f mpjpeg -listen 1 \
  "http://127.0.0.1:$cam/cam.mjpg" > "$work/ffmpeg.out" 2>&1 &
pids+=("$!")
sed -i "s#^  uri: .*#  uri: \"http://127.0.0.1:$cam/cam.mjpg\"#" "$db/video-infer-conf/service.yml"
: > "$db/demo-log/infer-service.log"
start_master live
pid="$(video_infer_pid)"
log "live stream: video-infer pid $pid; measuring for $minutes min"
subscribe live $((minutes * 60)) &
sub=$!
: > "$work/rss"
for ((i = 0; i <= minutes * 6; i++)); do
  echo "$((i * 10)) $(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s ", $2}' "/proc/$pid/status")" >> "$work/rss"
  [ "$i" -lt $((minutes * 6)) ] && sleep 10
done
wait "$sub" || true
report live
grep -h "stats:" "$db/demo-log/infer-service.log" | tail -1 | sed 's/^/  video-infer /' || true
/usr/bin/python3 - "$work/rss" <<'EOF'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]  # s, rss, anon, file
after = [r[1] for r in rows if r[0] >= 60]  # from the end of the first minute
print("RSS MB every minute: " + " ".join("%.1f" % (r[1] / 1024) for r in rows if r[0] % 60 == 0))
lo, hi = min(after), max(after)
print("RSS after the first minute: min %.1f MB, max %.1f MB, spread %.1f %% of min (target: within 10 %%)"
      % (lo / 1024, hi / 1024, (hi - lo) * 100.0 / lo))
print("at the end: RSS %.1f MB = %.1f MB anonymous (heap, native buffers) + %.1f MB file-backed (JDK, OpenCV, FFmpeg,"
      " GStreamer libraries, shared with other processes that map them)" % (rows[-1][1] / 1024, rows[-1][2] / 1024,
      rows[-1][3] / 1024))
EOF
stop_master
log "done"
