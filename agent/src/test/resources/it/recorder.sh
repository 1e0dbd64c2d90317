#!/bin/bash
# Test package: records "start|exit <instance> <pid> <epoch-ms>" in $RECORD_DIR/events.log and a copy of its
# config volume's etc/baetyl/conf.txt as $RECORD_DIR/<instance>.conf, then runs until SIGTERM.
name="${BAETYL_SERVICE_INSTANCE_NAME:-unknown}"
log="$RECORD_DIR/events.log"
now() { date +%s%3N; }
cat etc/baetyl/conf.txt > "$RECORD_DIR/$name.conf" 2>/dev/null
echo "start $name $$ $(now)" >> "$log"
trap 'echo "exit $name $$ $(now)" >> "$log"; exit 0' TERM
while true; do sleep 0.2 & wait $!; done
