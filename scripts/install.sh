#!/bin/bash
# Builds Baetyl for Java and lays out an install tree, like Baetyl's `make install MODE=native`:
#   bin/baetyl                      the master launcher (execs the JVM, so SIGTERM reaches it)
#   lib/baetyl/baetyl-master.jar
#   lib/baetyl/baetyl-jdk.jsa       the JDK classes of all Java modules, one class-data-sharing archive (cds-archive.sh)
#   etc/baetyl/conf.yml             \  the native example; never overwritten
#   var/db/baetyl/application.yml   /  when they already exist
#   var/db/baetyl/baetyl-<module>/  one native package per module: package.yml (entry) + what it runs
# Usage: scripts/install.sh [PREFIX]   (default: output/)
#        SKIP_BUILD=1 scripts/install.sh PREFIX   reuses the jars already built under */target
#        MODE=docker scripts/install.sh PREFIX    installs the docker example instead (images: scripts/build-images.sh)
#        EXAMPLE=video-infer scripts/install.sh PREFIX   installs <module>/example/<mode> (the docs' chapter 11 app)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${MODE:-native}"
case "$mode" in native|docker) ;; *) echo "error: MODE must be native or docker, got '$mode'" >&2; exit 1 ;; esac
prefix="${1:-$root/output}"
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

if [ "${SKIP_BUILD:-}" != 1 ]; then
  rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  # -T 1C: modules that do not depend on each other build side by side, a thread per core
  (cd "$root" && mvn -B -q -T 1C -DskipTests -Dgit.revision="$rev" package)
fi

jar_of() { # the shaded jar of a Maven module, or nothing when the module does not exist (yet)
  local jars=("$root/$1"/target/*-all.jar)
  if [ -f "${jars[0]}" ]; then echo "${jars[0]}"; fi
}

# --- master ---
mkdir -p "$prefix/bin" "$prefix/lib/baetyl"
cp "$(jar_of master)" "$prefix/lib/baetyl/baetyl-master.jar"
install -m 0755 "$root/scripts/baetyl" "$prefix/bin/baetyl"
install -m 0644 "$root/scripts/cds-pair.sh" "$prefix/lib/baetyl/cds-pair.sh"

# --- native packages of the Java modules: bin/<name> launcher + lib/<name>.jar + package.yml ---
java_package() { # module-folder package-name
  local module="$1" name="$2" jar pkg
  jar="$(jar_of "$module")"
  [ -n "$jar" ] || return 0
  pkg="$prefix/var/db/baetyl/$name"
  rm -rf "$pkg" && mkdir -p "$pkg/bin" "$pkg/lib"
  cp "$jar" "$pkg/lib/$name.jar"
  if [ -f "$root/$module/jvm.options" ]; then cp "$root/$module/jvm.options" "$pkg/jvm.options"; fi
  sed "s#@NAME@#$name#g" "$root/scripts/module-launcher.sh" > "$pkg/bin/$name"
  chmod 0755 "$pkg/bin/$name"
  printf 'entry: bin/%s\n' "$name" > "$pkg/package.yml"
}
java_package hub baetyl-hub
java_package function-manager baetyl-function-manager
java_package function-sql baetyl-function-sql
java_package remote-mqtt baetyl-remote-mqtt
java_package remote-kafka baetyl-remote-kafka
java_package timer baetyl-timer
java_package agent baetyl-agent
java_package video-infer baetyl-video-infer

# --- script runtimes (Python, Node): their folder holds package.yml and bin/ ---
script_package() { # module-folder package-name
  local module="$1" name="$2" pkg
  [ -f "$root/$module/package.yml" ] || return 0
  pkg="$prefix/var/db/baetyl/$name"
  rm -rf "$pkg" && mkdir -p "$pkg"
  cp -r "$root/$module/package.yml" "$root/$module/bin" "$pkg/"
}
# Python runs on Debian's python3-grpcio/protobuf/yaml (see scripts/install-deps.sh); nothing else to copy.
script_package function-python baetyl-function-python3
# Baetyl's Python 2.7 runtime: the same runtime with Python 2 compatibility (function-python/README.md).
if [ -d "$prefix/var/db/baetyl/baetyl-function-python3" ]; then
  py27="$prefix/var/db/baetyl/baetyl-function-python27"
  rm -rf "$py27" && mkdir -p "$py27"
  cp -r "$root/function-python/bin" "$py27/"
  printf 'entry: bin/function-python27.py\n' > "$py27/package.yml"
fi
# Node needs its proto and its locked dependencies inside the package.
script_package function-node baetyl-function-node8
if [ -d "$prefix/var/db/baetyl/baetyl-function-node8" ]; then
  node_pkg="$prefix/var/db/baetyl/baetyl-function-node8"
  cp "$root/function-node/package.json" "$root/function-node/package-lock.json" "$node_pkg/"
  cp "$root/proto/src/main/proto/function.proto" "$node_pkg/function.proto"
  (cd "$node_pkg" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- the image names of the Baetyl docs, as aliases of our packages (hub.baidubce.com/baetyl/baetyl-function-python36
# and the native example's baetyl-function-python2 and -node8 names all find a package) ---
alias_package() { # alias target
  local link="$prefix/var/db/baetyl/$1"
  [ -d "$prefix/var/db/baetyl/$2" ] || return 0
  rm -rf "$link" && ln -s "$2" "$link"
}
alias_package baetyl-function-python36 baetyl-function-python3
alias_package baetyl-function-python2 baetyl-function-python27
alias_package baetyl-function-node85 baetyl-function-node8

# --- one class-data-sharing archive of the JDK classes for the master and every Java module (scripts/cds-archive.sh) ---
"$root/scripts/cds-archive.sh" "$prefix"

# --- the example (native by default): config is the user's once installed, so existing files are kept ---
example="$root/example/$mode"
if [ -n "${EXAMPLE:-}" ]; then example="$root/$EXAMPLE/example/$mode"; fi
[ -d "$example" ] || { echo "error: no example at $example (EXAMPLE names a module folder with example/$mode)" >&2; exit 1; }
cp -rn "$example/." "$prefix/"
certs="$prefix/var/db/baetyl/localhub-cert-only-for-test"
if [ -d "$certs" ] && [ ! -f "$certs/server.pem" ]; then
  "$root/scripts/gen-test-certs.sh" "$certs"
  if [ "$mode" = docker ]; then
    # Module containers run as uid/gid 1000 and must read the hub's key through the read-only mount.
    chgrp 1000 "$certs/server.key" && chmod g+r "$certs/server.key"
  fi
fi
echo "installed Baetyl for Java ($mode example) into $prefix"
echo "start it with: $prefix/bin/baetyl start"
