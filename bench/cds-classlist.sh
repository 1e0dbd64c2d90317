#!/bin/bash
# Regenerates the class lists of the install's class-data-sharing archive (issue 18), scripts/cds/jdk-classes.lst
# and app-classes.lst: runs the installed native example once through bench/footprint.sh (one message through every
# function), with each Java process writing the classes it loads (-XX:DumpLoadedClassList, sharing off so that every
# class is listed): the master, the hub, the function manager, the SQL runtime and the timer. Keeps the union of their
# JDK classes (java/, javax/, jdk/, sun/, com/sun/; no generated proxies) and of the JDK's lambda entries; and their
# application classes that two or more of them load (of which the install keeps those all its Java jars have in
# common).
# e2e ClassLoadingIT fails when the list no longer covers what a process loads; re-run this then and commit the list.
# Usage: bench/cds-classlist.sh [PREFIX]    (default: output/, made by scripts/install.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$(cd "${1:-$root/output}" && pwd)"
work="$(mktemp -d /tmp/baetyl-cds-classlist.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/inst" "$work/lists" && cp -a "$prefix/." "$work/inst/"
for opts in "$work"/inst/var/db/baetyl/*/jvm.options; do
  pkg="$(basename "$(dirname "$opts")")"
  printf '\n-Xshare:off\n-XX:DumpLoadedClassList=%s\n' "$work/lists/$pkg.lst" >> "$opts"
done
# Sharing is off in these runs, so the copy needs no archives (and bench/footprint.sh then makes none in its copy).
rm -f "$work"/inst/lib/baetyl/*.jsa* "$work"/inst/lib/baetyl/baetyl-common.jar* "$work"/inst/var/db/baetyl/*/lib/*.jsa*
defaults="$(sed -n 's/.*\${BAETYL_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$work/inst/bin/baetyl")"
BAETYL_JAVA_OPTS="$defaults -Xshare:off -XX:DumpLoadedClassList=$work/lists/master.lst" \
  "$root/bench/footprint.sh" "$work/inst" > "$work/footprint.out"
ls "$work"/lists/*.lst >/dev/null
jdk='^(java|javax|jdk|sun|com/sun)/'
out="$root/scripts/cds/jdk-classes.lst"
mkdir -p "$(dirname "$out")"
{
  echo "# JDK classes loaded by the master and the Java modules of the native example (bench/cds-classlist.sh,"
  echo "# $(date -u '+%Y-%m-%d'), $(java -version 2>&1 | head -1)); the input of scripts/cds-archive.sh."
  cat "$work"/lists/*.lst | grep -E "$jdk" | grep -v -E '(^jdk/proxy[0-9]*/|/\$Proxy[0-9]+$)' | awk '{print $1}' | sort -u
  cat "$work"/lists/*.lst | grep -E "^@lambda-proxy (java|javax|jdk|sun|com/sun)/" | sort -u
  cat "$work"/lists/*.lst | grep -E '^@lambda-form-invoker ' | sort -u
} > "$out"
# The application classes (libraries, the SDK) loaded by at least two of them, the ones worth sharing (a class one JVM
# loads goes into its own archive, scripts/cds-train.sh): scripts/cds-archive.sh keeps those that every installed
# Java jar holds byte for byte the same (io.baetyl.master.cds.CommonClassesJar).
apps="$root/scripts/cds/app-classes.lst"
{
  echo "# Application classes loaded by two or more of the native example's JVMs (bench/cds-classlist.sh,"
  echo "# $(date -u '+%Y-%m-%d')); the input of scripts/cds-archive.sh's common classes jar."
  for l in "$work"/lists/*.lst; do
    grep -v -E "$jdk" "$l" | grep -v -E '^[@#]|\$Proxy[0-9]+|\$\$Lambda|/0x' | awk '{print $1}' | sort -u
  done | sort | uniq -c | awk '$1 >= 2 {print $2}'
} > "$apps"
for l in "$work"/lists/*.lst; do
  echo "$(basename "$l" .lst): $(grep -c -E "$jdk" "$l") JDK classes, $(grep -c -v -E "$jdk|^@" "$l") others"
done
echo "$(grep -c -v -E '^(#|@)' "$out") classes in $out, $(grep -c -v '^#' "$apps") in $apps"
