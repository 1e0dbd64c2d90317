#!/bin/bash
# Makes the install's class-data-sharing archive (issue 18, edge footprint): one static archive that the master and
# every Java module map (bin/baetyl and the module launchers: -XX:SharedArchiveFile, -Xshare:auto), at the archive's
# own base address, so its read-only pages are one copy in memory for all the JVMs of the device
# (docs/PERFORMANCE.md, "Footprint"). It holds
#   - the JDK classes the master and the Java modules load (scripts/cds/jdk-classes.lst);
#   - the library and SDK classes they load that every installed Java jar holds byte for byte the same
#     (scripts/cds/app-classes.lst, filtered by io.baetyl.master.cds.CommonClassesJar into lib/baetyl/baetyl-common.jar,
#     with .info and .lst files next to it). The archive is dumped with that jar as its class path, and the launchers
#     put it first on theirs (scripts/cds-pair.sh), which Java 17 requires to map application classes.
# Then each JVM's own classes go on top of it (scripts/cds-train.sh, training runs of a few seconds).
#
# A failed dump only warns: without the archive the JVMs use the JDK's default one, as before; without the common jar
# the archive holds the JDK classes only. Re-run after a JDK update or a moved install (a stale archive is refused by
# the JVM at start, which then runs without sharing; a launcher whose jar is not the one recorded runs without it).
# Usage: scripts/cds-archive.sh PREFIX        (writes PREFIX/lib/baetyl/baetyl-jdk.jsa, and its log next to it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:?usage: scripts/cds-archive.sh PREFIX}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
list="$root/scripts/cds/jdk-classes.lst"
mkdir -p "$prefix/lib/baetyl"
# Physical paths: the launchers compare theirs (pwd -P, readlink -f) with what the common jar's .info records.
prefix="$(cd "$prefix" && pwd -P)"
dir="$prefix/lib/baetyl"
archive="$dir/baetyl-jdk.jsa"
common="$dir/baetyl-common.jar"
tmp="$archive.tmp.$$"
rm -f "$tmp" "$common" "$common.info" "$common.lst"
# The common classes: the master's jar and every package's (the launchers' paths, physical), never an alias link.
cp=()
dump_list="$list"
if [ -f "$dir/baetyl-master.jar" ] && [ -f "$root/scripts/cds/app-classes.lst" ]; then
  jars=("$dir/baetyl-master.jar")
  for j in "$prefix"/var/db/baetyl/*/lib/*.jar; do
    pkg="$(dirname "$(dirname "$j")")"
    if [ ! -L "$pkg" ] && [ "$j" = "$pkg/lib/$(basename "$pkg").jar" ]; then jars+=("$j"); fi
  done
  if "$java" -cp "$dir/baetyl-master.jar" io.baetyl.master.cds.CommonClassesJar "$root/scripts/cds/app-classes.lst" \
      "$common" "${jars[@]}" > "$dir/baetyl-common.log" 2>&1; then
    cp=(-cp "$common")
    dump_list="$archive.lst.$$"
    cat "$list" "$common.lst" > "$dump_list"
  else
    echo "warning: the archive holds the JDK classes only; see $dir/baetyl-common.log" >&2
  fi
fi
# Classes of the list this JDK does not have are skipped (a warning each, in the log), as are the few the dump
# cannot verify on the common jar alone (the JVMs then load them from it at run time).
dumped=0
"$java" -Xshare:dump -XX:SharedClassListFile="$dump_list" -XX:SharedArchiveFile="$tmp" "${cp[@]}" \
  > "$archive.log" 2>&1 && [ -s "$tmp" ] && dumped=1
[ "$dump_list" = "$list" ] || rm -f "$dump_list"
if [ "$dumped" = 1 ]; then
  mv -f "$tmp" "$archive"
  # and each JVM's own classes on top of it (training runs, a few seconds)
  "$root/scripts/cds-train.sh" "$prefix" || true
else
  rm -f "$tmp" "$archive" "$common" "$common.info" "$common.lst"
  echo "warning: no class-data-sharing archive (the JVMs run with the JDK's default one); see $archive.log" >&2
fi
