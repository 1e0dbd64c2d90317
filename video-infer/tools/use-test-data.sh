#!/bin/bash
# Makes the chapter 11 app of an install run on generated data instead of an IP camera and ssd_mobilenet (which
# cannot be downloaded everywhere): writes the test model (make-test-model.py) and videos (make-test-videos.sh) into
# the install's volumes and points video-infer's service.yml at them:
#   var/db/baetyl/infer-person-model/brightness-ssd.onnx   mounted at var/db/baetyl/model
#   var/db/baetyl/infer-video/object.mp4, object.avi        mounted at var/db/baetyl/video
# With the docs' analyse.py, frames 19, 39, 59 of the 6 s video show the "person" (the bright square): their
# results on video/infer/result carry imageObjects and an imageLocation, whose JPEG is written to
# var/db/baetyl/image-data/; the other sampled frames are published with imageDiscard true.
# Usage: video-infer/tools/use-test-data.sh PREFIX [--loop] [--avi] [--seconds N] [--size WxH]
#   --loop        play the video again when it ends (video.loop: true)
#   --avi         use the MJPEG file instead of the MP4
#   --seconds N   length of the video (default 6)
#   --size WxH    frame size of the video (default 320x240)
# Needs Debian's python3-onnx, python3-numpy and ffmpeg (scripts/install-deps.sh --test installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:?usage: use-test-data.sh PREFIX [--loop] [--avi] [--seconds N] [--size WxH]}"
shift
loop=0; file=object.mp4; seconds=6; size=320x240
while [ $# -gt 0 ]; do
  case "$1" in
    --loop) loop=1 ;;
    --avi) file=object.avi ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift ;;
    --size) size="${2:?--size needs WxH}"; shift ;;
    *) echo "use-test-data.sh: unknown option $1" >&2; exit 1 ;;
  esac
  shift
done
db="$prefix/var/db/baetyl"
conf="$db/video-infer-conf/service.yml"
[ -f "$conf" ] || { echo "use-test-data.sh: $conf not found; install the app first: EXAMPLE=video-infer scripts/install.sh $prefix" >&2; exit 1; }
mkdir -p "$db/infer-person-model" "$db/infer-video"
/usr/bin/python3 "$here/make-test-model.py" "$db/infer-person-model/brightness-ssd.onnx"
"$here/make-test-videos.sh" "$db/infer-video" "$seconds" "$size"
sed -i -e "s#^  uri: .*#  uri: \"var/db/baetyl/video/$file\"#" \
  -e 's#^  model: .*#  model: var/db/baetyl/model/brightness-ssd.onnx#' \
  -e 's#^  config: .*#  config: ""#' "$conf"
if [ "$loop" = 1 ] && ! grep -q '^  loop: true' "$conf"; then
  sed -i 's#^video:#video:\n  loop: true#' "$conf"
fi
echo "video-infer of $prefix now reads var/db/baetyl/video/$file with the test model (loop: $([ $loop = 1 ] && echo true || echo false))"
