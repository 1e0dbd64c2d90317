#!/bin/bash
# Launcher of the @NAME@ native package. exec, so the master's SIGTERM reaches the JVM; argv[0] is the
# instance name so that ps shows which instance this is. JVM flags come from ../jvm.options when present.
pkg="$(cd "$(dirname "$0")/.." && pwd)"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Few glibc malloc arenas: the JVM's native allocations stay small on a 2-core edge device.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
opts=()
if [ -f "$pkg/jvm.options" ]; then
  while IFS= read -r line; do
    case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac
  done < "$pkg/jvm.options"
fi
exec -a "${BAETYL_SERVICE_INSTANCE_NAME:-@NAME@}" "$java" "${opts[@]}" -jar "$pkg/lib/@NAME@.jar" "$@"
