#!/bin/bash
# Regenerates scripts/cds/jdk-classes.lst, the JDK classes of the install's class-data-sharing archive (issue 18):
# runs the installed native example once through bench/footprint.sh (one message through every function), with each
# Java process writing the classes it loads (-XX:DumpLoadedClassList, sharing off so that every class is listed):
# the master, the hub, the function manager, the SQL runtime and the timer. Keeps the union of their JDK classes
# (java/, javax/, jdk/, sun/, com/sun/; no generated proxies) and of the JDK's lambda entries, so the archive matches
# every module's class path (it holds no application class).
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
for l in "$work"/lists/*.lst; do echo "$(basename "$l" .lst): $(grep -c -E "$jdk" "$l") JDK classes"; done
echo "$(grep -c -v -E '^(#|@)' "$out") classes in $out"
