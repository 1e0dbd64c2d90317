# Sourced by bin/baetyl and the modules' launchers (installed as lib/baetyl/cds-pair.sh): which class-data-sharing
# archives a JVM may map, and with which class path.
#
# cds_setup LIBDIR JAR TOP sets the array $cds_opts to the JVM flags that map the install's archive
# (LIBDIR/baetyl-jdk.jsa), with TOP on top when cds_pair allows it, and $cds_archives to what they map; and the array
# $cds_run to `-cp LIBDIR/baetyl-common.jar:JAR MAIN` when the archive was dumped with the classes common to every Java
# jar of the install (scripts/cds-archive.sh), else leaves it empty (the launcher runs `-jar JAR`). Java 17 maps the
# application classes of a static archive only for a JVM whose class path starts with the one it was dumped with, and
# refuses the whole archive otherwise: a JAR the common jar was not made from (an OTA'd or rebuilt package, an updated
# master) gets no flags at all and runs on the JDK's own archive.
cds_setup() { # libdir jar top
  local base="$1/baetyl-jdk.jsa" common="$1/baetyl-common.jar"
  cds_opts=() cds_run=() cds_archives=""
  [ -f "$base" ] || return 0
  if [ -f "$common.info" ]; then
    cds_common "$common" "$2" || return 0
    cds_run=(-cp "$common:$2" "$cds_main")
  fi
  cds_pair "$base" "$3" "$2"
  cds_opts=(-XX:SharedArchiveFile="$cds_archives" -Xshare:auto -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)
}

# cds_common COMMON JAR succeeds, with $cds_main set to JAR's main class, when COMMON.info (written with COMMON by
# io.baetyl.master.cds.CommonClassesJar: "size mtime main path" per line) records COMMON and JAR with the size and
# modification time they still have, and JAR with a main class.
cds_common() { # common-jar jar
  local size mtime main path common_ok="" want_common want_jar
  cds_main=""
  want_common="$(stat -c '%s %Y' "$1" 2>/dev/null)" && want_jar="$(stat -c '%s %Y' "$2" 2>/dev/null)" || return 1
  while read -r size mtime main path; do
    if [ "$path" = "$1" ] && [ "$size $mtime" = "$want_common" ]; then
      common_ok=1
    elif [ "$path" = "$2" ] && [ "$size $mtime" = "$want_jar" ] && [ "$main" != - ]; then
      cds_main="$main"
    fi
  done < "$1.info"
  [ -n "$common_ok" ] && [ -n "$cds_main" ]
}

# cds_pair BASE TOP JAR sets $cds_archives to BASE:TOP when the archive of the JVM's own classes (scripts/cds-train.sh)
# may go on top of the install's JDK archive, else to BASE. Only when both archives have the sizes, and the jar the
# path, recorded in TOP.info when TOP was made, and both start with their magic numbers: Java 17 crashes on a truncated
# top archive, fails to start when either file of the pair is not what its header should be, and warns at every start
# about a top archive made for a jar at another path (a moved or copied install). The JVM itself refuses, with a
# warning, a top archive made for another jar or base (the start goes on with the base only).
cds_pair() { # base top jar
  local size made_for base_size
  cds_archives=$1
  if [ -f "$2.info" ] && { read -r size && read -r made_for && read -r base_size; } < "$2.info" \
    && [ "$made_for" = "$3" ] && [ "$(stat -c %s "$2" "$1" 2>/dev/null)" = "$size"$'\n'"$base_size" ] \
    && [ "$(od -An -tx4 -N4 "$2"; od -An -tx4 -N4 "$1")" = $' f00baba8\n f00baba2' ]; then
    cds_archives="$1:$2"
  fi
}
