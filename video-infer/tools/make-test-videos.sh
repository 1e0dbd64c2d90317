#!/bin/bash
# Writes the test videos for video-infer with Debian's ffmpeg: a dark scene (gray 32) in which a bright square
# (gray 240) fills the center box 0.25..0.75 x 0.25..0.75 in some frames, the box the test model
# (make-test-model.py) scores. 10 frames/s, 320x240 unless told otherwise.
#
# The object is in frames 15-24, 35-44, 55-64, ... (in each second from 1.5 s on, every other second), so with the
# docs' video.limit.fps: 1 (skip = ceil(10/1) - 1 = 9: frames 9, 19, 29, ... are inferred) frames 19, 39, 59, ...
# show the object and frames 9, 29, 49, ... do not, each 4 frames away from a change.
#
#   object.mp4   H.264 in MP4 (FFmpeg-backed VideoCapture, as for RTSP cameras)
#   object.avi   MJPEG in AVI (what OpenCV's built-in reader opens without FFmpeg)
#
# Usage: make-test-videos.sh OUTDIR [SECONDS] [WIDTHxHEIGHT]   (defaults: 6 seconds, 320x240)
set -euo pipefail
out="${1:?usage: make-test-videos.sh OUTDIR [SECONDS] [WIDTHxHEIGHT]}"
seconds="${2:-6}"
size="${3:-320x240}"
command -v ffmpeg >/dev/null || { echo "make-test-videos.sh: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$out"
object="drawbox=x=iw/4:y=ih/4:w=iw/2:h=ih/2:color=0xF0F0F0:t=fill:enable='gte(n,5)*not(mod(floor((n+5)/10),2))'"
src="color=c=0x202020:s=$size:r=10:d=$seconds"
ffmpeg -nostdin -v error -y -f lavfi -i "$src" -vf "$object" -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -g 10 "$out/object.mp4"
ffmpeg -nostdin -v error -y -f lavfi -i "$src" -vf "$object" -c:v mjpeg -q:v 3 "$out/object.avi"
echo "wrote $out/object.mp4 and $out/object.avi ($seconds s, $size, 10 frames/s)"
