#!/bin/bash
# Launcher of the @NAME@ native package. exec, so the master's SIGTERM reaches the JVM; argv[0] is the
# instance name so that ps shows which instance this is. JVM flags come from ../jvm.options when present.
# The physical path (pwd -P), not the service's linked one: the archive of the package's own classes is only valid for
# the jar path it was made with (scripts/cds-train.sh).
pkg="$(cd "$(dirname "$0")/.." && pwd -P)"
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
  # On top of it, the package's own classes when a training run at install made them (scripts/cds-train.sh), and only
  # when both archives have the sizes and magic numbers, and the jar the path, recorded then: Java 17 crashes on a
  # truncated top archive, fails to start when either file of the pair is not what its header should be, and warns
  # at every start about a top archive made for a jar at another path.
  top="$pkg/lib/@NAME@.jsa"
  if [ -f "$top.info" ] && { read -r size && read -r jar && read -r base_size; } < "$top.info" \
    && [ "$jar" = "$pkg/lib/@NAME@.jar" ] && [ "$(stat -c %s "$top" "$cds" 2>/dev/null)" = "$size"$'\n'"$base_size" ] \
    && [ "$(od -An -tx4 -N4 "$top"; od -An -tx4 -N4 "$cds")" = $' f00baba8\n f00baba2' ]; then
    cds="$cds:$top"
  fi
  opts+=(-XX:SharedArchiveFile="$cds" -Xshare:auto -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)
fi
if [ -f "$pkg/jvm.options" ]; then
  while IFS= read -r line; do
    case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac
  done < "$pkg/jvm.options"
fi
exec -a "${BAETYL_SERVICE_INSTANCE_NAME:-@NAME@}" "$java" "${opts[@]}" -jar "$pkg/lib/@NAME@.jar" "$@"
