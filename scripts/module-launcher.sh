#!/bin/bash
# Launcher of the @NAME@ native package. exec, so the master's SIGTERM reaches the JVM; argv[0] is the
# instance name so that ps shows which instance this is. JVM flags come from ../jvm.options when present.
pkg="$(cd "$(dirname "$0")/.." && pwd)"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Few glibc malloc arenas: the JVM's native allocations stay small on a 2-core edge device.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
opts=()
# The install's class-data-sharing archive, shared by all the Java modules and the master (scripts/cds-archive.sh),
# at <prefix>/lib/baetyl when the package is installed at <prefix>/var/db/baetyl/<name>. Mapped at its own base
# address so its pages stay shared; a missing one leaves the JDK's default, a stale or corrupt one only disables
# sharing (-Xshare:auto). Before jvm.options, so that a package can still say -Xshare:off.
cds="$(cd "$(dirname "$(readlink -f "$0")")/../../../../.." 2>/dev/null && pwd)/lib/baetyl/baetyl-jdk.jsa"
if [ -f "$cds" ]; then
  opts+=(-XX:SharedArchiveFile="$cds" -Xshare:auto -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)
fi
if [ -f "$pkg/jvm.options" ]; then
  while IFS= read -r line; do
    case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac
  done < "$pkg/jvm.options"
fi
exec -a "${BAETYL_SERVICE_INSTANCE_NAME:-@NAME@}" "$java" "${opts[@]}" -jar "$pkg/lib/@NAME@.jar" "$@"
