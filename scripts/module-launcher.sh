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
# at <prefix>/lib/baetyl when the package is installed at <prefix>/var/db/baetyl/<name>: the JDK classes and the
# classes every Java jar of the install has in common (lib/baetyl/baetyl-common.jar, then first on the class path),
# with the package's own classes on top when a training run at install made them and they still fit. Mapped at its
# own base address so its pages stay shared; a package jar it was not made for runs without it (lib/baetyl/cds-pair.sh
# says why), a stale or corrupt one only disables sharing (-Xshare:auto). Before jvm.options, so that a package can
# still say -Xshare:off.
run=(-jar "$pkg/lib/@NAME@.jar")
lib="$(cd "$(dirname "$(readlink -f "$0")")/../../../../.." 2>/dev/null && pwd)/lib/baetyl"
if [ -f "$lib/cds-pair.sh" ]; then
  . "$lib/cds-pair.sh"
  cds_setup "$lib" "$pkg/lib/@NAME@.jar" "$pkg/lib/@NAME@.jsa"
  opts+=("${cds_opts[@]}")
  if [ "${#cds_run[@]}" -gt 0 ]; then run=("${cds_run[@]}"); fi
fi
if [ -f "$pkg/jvm.options" ]; then
  while IFS= read -r line; do
    case "$line" in ''|'#'*) ;; *) opts+=("$line") ;; esac
  done < "$pkg/jvm.options"
fi
exec -a "${BAETYL_SERVICE_INSTANCE_NAME:-@NAME@}" "$java" "${opts[@]}" "${run[@]}" "$@"
