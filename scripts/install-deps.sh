#!/bin/bash
# Installs the Debian packages Baetyl for Java needs at run time (Java, Python runtime deps) and, with --test,
# what the tests need as well (Mosquitto and its clients as a second broker and independent MQTT clients, curl,
# openssl, Chromium and its driver for the console, the Prometheus Python client for /metrics). Idempotent: packages
# already present are skipped by apt.
# video-infer: OpenCV's Java binding with FFmpeg/GStreamer video I/O (libopencv-java, also needed to build it) and
# numpy for the docs' analyse.py; its tests make their model and videos with python3-onnx and ffmpeg.
set -euo pipefail
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
pkgs=(openjdk-17-jre-headless python3 python3-grpcio python3-protobuf python3-yaml python3-lib2to3 openssl mosquitto-clients)
pkgs+=(libopencv-java python3-numpy)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(maven mosquitto curl)
  pkgs+=(ffmpeg python3-onnx)
  # The console's browser tests (Selenium drives Debian's chromium) and the Prometheus client's parser for /metrics.
  pkgs+=(chromium chromium-driver python3-prometheus-client)
  # The hub's ExHook: seed 003's exhook_server.py (stubs generated at test time, kafka-python), HAProxy in front.
  pkgs+=(python3-grpc-tools python3-kafka haproxy)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "error: Node.js (>= 18) is needed for the Node function runtime" >&2; exit 1; }
