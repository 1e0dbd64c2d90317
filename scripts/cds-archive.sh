#!/bin/bash
# Makes the install's class-data-sharing archive (issue 18, edge footprint): one static archive of the JDK classes the
# master and the Java modules load (scripts/cds/jdk-classes.lst), dumped by the JDK that will run them, with no
# application class path so that it matches every module's `-jar`. bin/baetyl and every module launcher map it when
# it is there (-XX:SharedArchiveFile, -Xshare:auto), at the archive's own base address, so its read-only pages are one
# copy in memory for all the JVMs of the device (docs/PERFORMANCE.md, "Footprint").
#
# A failed dump only warns: without the archive the JVMs use the JDK's default one, as before. Re-run after a JDK
# update (a stale archive is refused by the JVM at start, which then runs without sharing).
# Usage: scripts/cds-archive.sh PREFIX        (writes PREFIX/lib/baetyl/baetyl-jdk.jsa, and its log next to it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:?usage: scripts/cds-archive.sh PREFIX}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
list="$root/scripts/cds/jdk-classes.lst"
dir="$prefix/lib/baetyl"
archive="$dir/baetyl-jdk.jsa"
mkdir -p "$dir"
tmp="$archive.tmp.$$"
rm -f "$tmp"
# Classes of the list this JDK does not have are skipped (a warning each, in the log).
if "$java" -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$tmp" > "$archive.log" 2>&1 \
    && [ -s "$tmp" ]; then
  mv -f "$tmp" "$archive"
  # and each JVM's own classes on top of it (training runs, a few seconds)
  "$root/scripts/cds-train.sh" "$prefix" || true
else
  rm -f "$tmp" "$archive"
  echo "warning: no class-data-sharing archive (the JVMs run with the JDK's default one); see $archive.log" >&2
fi
