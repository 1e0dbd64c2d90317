#!/bin/bash
# Builds the Docker images of every module that has a Dockerfile (<module>/Dockerfile), for mode: docker.
#
# No image registry is reachable on our build machines, so the base image is made here: a Debian bookworm
# rootfs from debootstrap (Debian's package mirror), `docker import`ed as $BASE_IMAGE. Every module image is then
# built FROM it and installs its runtime (openjdk-17-jre-headless, python3-grpcio, nodejs) from Debian.
#
# With registry access, skip all of this and build from a public base instead, e.g.:
#   mvn -q -DskipTests package
#   docker build --build-arg BASE_IMAGE=debian:bookworm-slim -f hub/Dockerfile -t baetyl/baetyl-hub .
# (the Dockerfiles default BASE_IMAGE to debian:bookworm-slim; the build context is the repository root).
#
# Usage: scripts/build-images.sh [module ...]        (default: every module with a Dockerfile)
# Environment:
#   REGISTRY      image name prefix, default "baetyl/" (images are ${REGISTRY}baetyl-hub, ...)
#   TAG           image tag, default "latest"
#   BASE_IMAGE    the local base image, default baetyl-local/debian:bookworm-minbase (built when missing)
#   MIRROR        Debian mirror for debootstrap, default http://deb.debian.org/debian
#   SKIP_BUILD=1  reuse the jars under */target instead of running Maven
#   DOCKERD_LOG   where a dockerd started by this script logs, default /var/log/baetyl-dockerd.log
# A dockerd started by this script keeps running afterwards (the docker tests need it); its pid is printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
REGISTRY="${REGISTRY-baetyl/}"
TAG="${TAG:-latest}"
BASE_IMAGE="${BASE_IMAGE:-baetyl-local/debian:bookworm-minbase}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/baetyl-dockerd.log}"
started=$SECONDS

log() { echo "[build-images $(date +%T)] $*"; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- tools ---
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -f /usr/share/java/opencv.jar ] || missing+=(libopencv-java) # video-infer compiles against Debian's OpenCV jar
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- daemon: use a running one; otherwise start one in the background ---
if ! docker info >/dev/null 2>&1; then
  log "no docker daemon answers; starting dockerd (log: $DOCKERD_LOG)"
  sudo_ mkdir -p "$(dirname "$DOCKERD_LOG")"
  if [ "$(id -u)" = 0 ]; then
    setsid dockerd >>"$DOCKERD_LOG" 2>&1 < /dev/null &
  else
    sudo -b sh -c "setsid dockerd >>'$DOCKERD_LOG' 2>&1 < /dev/null"
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not come up within 60s; see $DOCKERD_LOG:" >&2; tail -20 "$DOCKERD_LOG" >&2; exit 1; }
  log "dockerd started: pid=$(cat /var/run/docker.pid 2>/dev/null) (stop it with: kill \$(cat /var/run/docker.pid))"
fi

# --- base image: debootstrap + docker import, cached ---
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE exists, not rebuilt (docker rmi it to rebuild)"
else
  log "building base image $BASE_IMAGE with debootstrap from $MIRROR"
  rootfs="$(mktemp -d /tmp/baetyl-rootfs.XXXXXX)"
  trap 'sudo_ rm -rf "$rootfs"' EXIT
  sudo_ debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" > "$rootfs.log" 2>&1 \
    || { echo "debootstrap failed; see $rootfs.log" >&2; tail -20 "$rootfs.log" >&2; exit 1; }
  # Smaller and reproducible-ish: no apt lists, caches or docs; the same sources a module build installs from.
  sudo_ rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  sudo_ mkdir -p "$rootfs/usr/share/man/man1" # update-alternatives of some packages (the JRE) link into it
  echo "deb $MIRROR bookworm main" | sudo_ tee "$rootfs/etc/apt/sources.list" >/dev/null
  echo "deb $MIRROR bookworm-updates main" | sudo_ tee -a "$rootfs/etc/apt/sources.list" >/dev/null
  # Keep images lean: module builds never pull in docs or recommends.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' | sudo_ tee "$rootfs/etc/apt/apt.conf.d/99baetyl" >/dev/null
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    | sudo_ tee "$rootfs/etc/dpkg/dpkg.cfg.d/99baetyl-nodoc" >/dev/null
  sudo_ tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  sudo_ rm -rf "$rootfs" "$rootfs.log"; trap - EXIT
  log "base image $BASE_IMAGE imported ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
fi

# --- what goes into the images: the shaded jars (and the Node runtime's dependencies) ---
if [ "${SKIP_BUILD:-}" != 1 ]; then
  log "building jars (mvn package)"
  mvn -B -q -o -DskipTests package || mvn -B -q -DskipTests package
fi
if [ -f function-node/package.json ] && [ ! -d function-node/node_modules ]; then
  (cd function-node && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
fi

# --- one image per module with a Dockerfile; the Dockerfile's IMAGE label names it ---
modules=("$@")
if [ "${#modules[@]}" -eq 0 ]; then
  for f in */Dockerfile; do modules+=("$(dirname "$f")"); done
fi
for m in "${modules[@]}"; do
  df="$m/Dockerfile"
  [ -f "$df" ] || { echo "$df: no such file" >&2; exit 1; }
  # "# image: baetyl-hub [alias ...]" in the Dockerfile names the image (and optional alias names).
  names=($(sed -n 's/^# image: *//p' "$df" | head -1))
  [ "${#names[@]}" -gt 0 ] || { echo "$df: missing '# image: <name>' line" >&2; exit 1; }
  t0=$SECONDS
  tags=()
  for n in "${names[@]}"; do tags+=(-t "${REGISTRY}${n}:${TAG}"); done
  log "building ${REGISTRY}${names[0]}:${TAG} from $df"
  # --network host: the RUN apt-get steps reach Debian's mirror the same way the host does.
  previous="$(docker image inspect -f '{{.Id}}' "${REGISTRY}${names[0]}:${TAG}" 2>/dev/null || true)"
  # Output only on failure (and without the CLI's note that the classic builder is deprecated).
  if ! docker build -q --network host --build-arg BASE_IMAGE="$BASE_IMAGE" -f "$df" "${tags[@]}" . \
      > "/tmp/baetyl-build-$m.log" 2>&1; then
    grep -v -e DEPRECATED -e buildx "/tmp/baetyl-build-$m.log" >&2; echo "building $df failed" >&2; exit 1
  fi
  rm -f "/tmp/baetyl-build-$m.log"
  # The image this one replaced (same tag, older jar) would linger untagged: remove it unless still in use.
  current="$(docker image inspect -f '{{.Id}}' "${REGISTRY}${names[0]}:${TAG}")"
  if [ -n "$previous" ] && [ "$previous" != "$current" ]; then docker rmi "$previous" >/dev/null 2>&1 || true; fi
  log "built ${names[*]} in $((SECONDS - t0))s: $(docker image inspect -f '{{.Size}}' "${REGISTRY}${names[0]}:${TAG}") bytes"
done
log "done in $((SECONDS - started))s"
docker images --filter "reference=${REGISTRY}baetyl-*" --format '{{.Repository}}:{{.Tag}}\t{{.Size}}'
