# Sourced by bin/baetyl and the modules' launchers (installed as lib/baetyl/cds-pair.sh): which class-data-sharing
# archives a JVM may map.
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
