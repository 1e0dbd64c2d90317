#!/bin/bash
# Test package: records its life as lines in $RECORD_DIR/events.log:
#   start|term|exit <instance> <pid> <epoch-ms>
# and dumps its env and args. Behaviour comes from its env: BEHAVIOUR=run|exit0|exit1|run-then-exit1
# (after RUN_SECONDS), IGNORE_TERM=1, BUSY_MS=N (first spins one core for N ms, as a starting JVM would, then records
# "ready").
name="${BAETYL_SERVICE_INSTANCE_NAME:-unknown}"
log="$RECORD_DIR/events.log"
now() { date +%s%3N; }
# the handler is in place before "start" is recorded: a test that signals once it sees "start" reaches it
on_term() {
  echo "term $name $$ $(now)" >> "$log"
  if [ "${IGNORE_TERM:-}" != 1 ]; then
    echo "exit $name $$ $(now)" >> "$log"
    exit 0
  fi
}
trap on_term TERM
echo "start $name $$ $(now)" >> "$log"
# record KIND: stdin to $RECORD_DIR/$name.KIND, written whole and then renamed, so a test that sees the file sees all
# of it
record() { local f="$RECORD_DIR/$name.$1"; cat > "$f.$$" && mv "$f.$$" "$f"; }
env | sort | record env
printf '%s\n' "$@" | record args
pwd | record cwd
if [ -n "${LOCK_FILE:-}" ]; then
  exec 9>>"$LOCK_FILE"
  if ! flock -n 9; then echo "lockfail $name $$ $(now)" >> "$log"; exit 1; fi
fi
if [ -n "${BUSY_MS:-}" ]; then
  # $EPOCHREALTIME forks nothing: all of the spinning is this process's own CPU time
  end=$(( ${EPOCHREALTIME/./} + BUSY_MS * 1000 ))
  while (( ${EPOCHREALTIME/./} < end )); do :; done
  echo "ready $name $$ $(now)" >> "$log"
fi
case "${BEHAVIOUR:-run}" in
  exit0) echo "exit $name $$ $(now)" >> "$log"; exit 0 ;;
  exit1) echo "exit $name $$ $(now)" >> "$log"; exit 1 ;;
  run-then-exit1) sleep "${RUN_SECONDS:-1}" & wait $!; echo "exit $name $$ $(now)" >> "$log"; exit 1 ;;
esac
while true; do sleep 0.2 9>&- & wait $!; done
