#!/bin/bash
# Makes the dynamic class-data-sharing archives of the master's and the Java modules' own classes (issue 18, start
# time): one short training run of each, at its installed path, with -XX:ArchiveClassesAtExit (Java 17 has no other
# way to archive application classes on top of a shared base archive). bin/baetyl and the modules' launcher map them
# on top of the install's JDK archive (baetyl-jdk.jsa): the hub then reads about 2,100 of its classes from memory
# instead of parsing and verifying them from its jar at every start (docs/PERFORMANCE.md, "Footprint").
#   master: `bin/baetyl start` in a scratch working dir with an empty application, until its API socket answers;
#   hub:    the installed package on a free 127.0.0.1 port, one MQTT client (CONNECT, SUBSCRIBE, PUBLISH, DISCONNECT);
#   function manager, timer: the installed packages against that hub, until a rule has subscribed / the timer started;
#   SQL function runtime: its gRPC server on a free 127.0.0.1 port, until it has started.
# Each archive is renamed into place only when its training JVM exited 0, next to a .info file (its size, the jar's
# path, the base archive's size) that the launchers check before they map it (scripts/cds-pair.sh says why). An
# OTA'd package comes without one.
# A failed training only warns: the launchers then run as before.
# Usage: scripts/cds-train.sh PREFIX        (called by scripts/cds-archive.sh once the base archive is made)
set -uo pipefail
prefix="$(cd "${1:?usage: scripts/cds-train.sh PREFIX}" && pwd -P)"
base="$prefix/lib/baetyl/baetyl-jdk.jsa"
[ -f "$base" ] || exit 0
work="$(mktemp -d /tmp/baetyl-cds-train.XXXXXX)"
# Each training JVM is stopped by its own train() (which runs in the background); a Ctrl-C reaches them all anyway.
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Runs "$@" with the archive written to $top.tmp, waits for `ready` (a function) to succeed within 60 s, stops it
# with SIGTERM and keeps the archive only when the JVM exited 0 and wrote it.
train() { # name jar ready-function dir command...
  local name=$1 jar=$2 ready=$3 dir=$4 top=${2%.jar}.jsa pid rc
  shift 4
  rm -f "$top" "$top.info" "$top.tmp"
  (cd "$dir" && JAVA_TOOL_OPTIONS="-XX:ArchiveClassesAtExit=$top.tmp" exec "$@") > "$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || break
    if "$ready"; then
      kill -TERM "$pid"
      wait "$pid"
      rc=$?
      if [ "$rc" = 0 ] && [ -s "$top.tmp" ]; then
        printf '%s\n%s\n%s\n' "$(stat -c %s "$top.tmp")" "$jar" "$(stat -c %s "$base")" > "$top.info" \
          && mv -f "$top.tmp" "$top"
        return 0
      fi
      break
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$top.tmp" "$top.info"
  echo "warning: no class-data-sharing archive of $name's classes (it starts without one); its training run:" >&2
  tail -5 "$work/$name.log" >&2
  return 1
}

# --- master: an empty application in a scratch working dir ---
master_ready() { [ -S "$work/master/var/run/baetyl.sock" ] && grep -q 'services started' "$work/master.log"; }
if [ -x "$prefix/bin/baetyl" ] && [ -f "$prefix/lib/baetyl/baetyl-master.jar" ]; then
  mkdir -p "$work/master/etc/baetyl" "$work/master/var/db/baetyl"
  printf 'mode: native\nserver:\n  address: unix://var/run/baetyl.sock\nlogger:\n  path: var/log/baetyl/baetyl.log\n' \
    > "$work/master/etc/baetyl/conf.yml"
  printf 'version: v0\nservices: []\n' > "$work/master/var/db/baetyl/application.yml"
  train master "$prefix/lib/baetyl/baetyl-master.jar" master_ready "$work/master" \
    "$prefix/bin/baetyl" start -w "$work/master" &
fi

# --- hub: the installed package with one listener and one client ---
hub_pkg="$prefix/var/db/baetyl/baetyl-hub"
hub_port=""
hub_ready() { # a CONNECT (user cds), SUBSCRIBE t, PUBLISH t, then DISCONNECT: the classes of a first client too
  { exec 3<>"/dev/tcp/127.0.0.1/$hub_port"; } 2>/dev/null || return 1
  printf '\x10\x19\x00\x04MQTT\x04\xc2\x00\x3c\x00\x03cds\x00\x03cds\x00\x03cds' >&3
  printf '\x82\x06\x00\x01\x00\x01t\x00\x30\x04\x00\x01tx' >&3
  timeout 10 head -c 15 <&3 > "$work/hub.answer"
  printf '\xe0\x00' >&3
  exec 3<&-
  [ "$(od -An -tx1 -N4 "$work/hub.answer" | tr -d ' ')" = 20020000 ] || return 1
  # the hub answers: the function manager and the timer, which start beside it, train against it
  local jobs=() p
  p="$prefix/var/db/baetyl/baetyl-timer"
  if [ -x "$p/bin/baetyl-timer" ]; then
    mkdir -p "$work/timer"
    cat > "$work/timer/service.yml" <<EOF
hub: {address: "tcp://127.0.0.1:$hub_port", username: cds, password: cds, clientid: cds-timer}
timer: {interval: 1s}
publish: {topic: cds/timer, payload: {id: 1}}
EOF
    train timer "$p/lib/baetyl-timer.jar" timer_ready "$work/timer" "$p/bin/baetyl-timer" -c service.yml &
    jobs+=($!)
  fi
  p="$prefix/var/db/baetyl/baetyl-function-manager"
  if [ -x "$p/bin/baetyl-function-manager" ]; then
    mkdir -p "$work/function-manager"
    cat > "$work/function-manager/service.yml" <<EOF
hub: {address: "tcp://127.0.0.1:$hub_port", username: cds, password: cds}
rules: [{clientid: cds-rule, subscribe: {topic: cds/in}, function: {name: cds}, publish: {topic: cds/out}}]
functions: [{name: cds, service: cds-function}]
EOF
    # it needs a master address to start, and never calls it here (no message reaches the rule)
    train function-manager "$p/lib/baetyl-function-manager.jar" function_manager_ready "$work/function-manager" \
      env BAETYL_MASTER_API_ADDRESS="unix://$work/no-master.sock" "$p/bin/baetyl-function-manager" -c service.yml &
    jobs+=($!)
  fi
  [ "${#jobs[@]}" = 0 ] || wait "${jobs[@]}"
  return 0
}
timer_ready() { grep -q 'timer started' "$work/timer.log"; }
function_manager_ready() { grep -q 'rule subscribed' "$work/function-manager.log"; }
if [ -x "$hub_pkg/bin/baetyl-hub" ] && command -v python3 > /dev/null; then
  hub_port="$(free_port)"
  mkdir -p "$work/hub"
  cat > "$work/hub/service.yml" <<EOF
listen: ["tcp://127.0.0.1:$hub_port"]
principals:
  - {username: cds, password: cds, permissions: [{action: pub, permit: ["#"]}, {action: sub, permit: ["#"]}]}
EOF
  train hub "$hub_pkg/lib/baetyl-hub.jar" hub_ready "$work/hub" "$hub_pkg/bin/baetyl-hub" -c service.yml &
fi

# --- SQL function runtime: its gRPC server on a free 127.0.0.1 port, with one function (an instance starts on demand,
# on the way of a message, so its start is a message's latency) ---
sql_pkg="$prefix/var/db/baetyl/baetyl-function-sql"
sql_ready() { grep -q 'service started' "$work/function-sql.log"; }
if [ -x "$sql_pkg/bin/baetyl-function-sql" ] && command -v python3 > /dev/null; then
  sql_port="$(free_port)"
  mkdir -p "$work/function-sql"
  echo "functions: [{name: cds, handler: 'select qos() as qos, topic() as topic, * where id < 10'}]" \
    > "$work/function-sql/service.yml"
  train function-sql "$sql_pkg/lib/baetyl-function-sql.jar" sql_ready "$work/function-sql" \
    env BAETYL_SERVICE_INSTANCE_ADDRESS="127.0.0.1:$sql_port" "$sql_pkg/bin/baetyl-function-sql" -c service.yml &
fi
wait
