#!/bin/bash
# A local Apache Kafka (one KRaft node: broker and controller, no ZooKeeper) for trying remote-kafka and for the
# benchmark. The broker comes from Maven Central (org.apache.kafka:kafka_2.13, the version of the root pom.xml's
# kafka.version), resolved once into DIR/libs; data and log stay in DIR. It listens on 127.0.0.1 only.
#
# Usage: scripts/kafka-local.sh start|stop|status [DIR]     (DIR default: output/kafka-local)
#        scripts/kafka-local.sh consume TOPIC [DIR]         prints TOPIC's records (key, headers, value) from the start
#        scripts/kafka-local.sh produce TOPIC [DIR]         sends each line of stdin as a record
# Environment:
#   KAFKA_PORT              broker port, default 9092
#   KAFKA_CONTROLLER_PORT   KRaft controller port, default 9093
#   KAFKA_AUTO_CREATE       true (default): topics are created on first use; false: only by an admin
#   KAFKA_PARTITIONS        partitions of an auto-created topic, default 3
#   KAFKA_HEAP              default 512m
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-}"
topic=""
case "$cmd" in consume|produce) topic="${2:-}"; shift || true ;; esac
[ "$cmd" != consume ] && [ "$cmd" != produce ] || [ -n "$topic" ] || { echo "usage: $0 $cmd TOPIC [DIR]" >&2; exit 2; }
dir="${2:-$root/output/kafka-local}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
pidfile="$dir/kafka.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
  start)
    if running; then echo "Kafka already running: pid $(cat "$pidfile"), 127.0.0.1:$port"; exit 0; fi
    if port_open "$port"; then echo "error: 127.0.0.1:$port is in use (set KAFKA_PORT)" >&2; exit 1; fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"; pidfile="$dir/kafka.pid"
    version="$(sed -n 's#.*<kafka.version>\(.*\)</kafka.version>.*#\1#p' "$root/pom.xml" | head -1)"
    if [ ! -f "$dir/libs/.version-$version" ]; then
      echo "resolving Apache Kafka $version from Maven Central into $dir/libs"
      rm -rf "$dir/libs"
      mvn -B -q -ntp -f "$root/remote-kafka/kafka-local/pom.xml" -Dkafka.version="$version" \
        dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime
      touch "$dir/libs/.version-$version"
    fi
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=${KAFKA_PARTITIONS:-3}
auto.create.topics.enable=${KAFKA_AUTO_CREATE:-true}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.retention.bytes=1073741824
PROPS
    cp="$dir/libs/*"
    if [ ! -f "$dir/data/meta.properties" ]; then
      java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; exit 1; }
    fi
    nohup java -Xmx"${KAFKA_HEAP:-512m}" -Xms64m -XX:+UseG1GC -Dorg.slf4j.simpleLogger.showDateTime=true \
      -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd'T'HH:mm:ss.SSS" \
      -cp "$cp" kafka.Kafka "$dir/server.properties" >> "$dir/kafka.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 120); do
      port_open "$port" && break
      running || { echo "Kafka exited; see $dir/kafka.log:" >&2; tail -20 "$dir/kafka.log" >&2; exit 1; }
      sleep 0.5
    done
    port_open "$port" || { echo "Kafka did not open 127.0.0.1:$port within 60s; see $dir/kafka.log" >&2; exit 1; }
    echo "Kafka $version running: pid $(cat "$pidfile"), bootstrap 127.0.0.1:$port, data $dir/data, log $dir/kafka.log"
    ;;
  stop)
    if ! running; then echo "Kafka not running"; rm -f "$pidfile"; exit 0; fi
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "Kafka did not stop in 60s; killing pid $pid" >&2; kill -9 "$pid"; fi
    rm -f "$pidfile"
    echo "Kafka stopped"
    ;;
  status)
    if running; then echo "Kafka running: pid $(cat "$pidfile"), 127.0.0.1:$port"; else echo "Kafka not running"; exit 3; fi
    ;;
  consume)
    running || { echo "Kafka not running (scripts/kafka-local.sh start)" >&2; exit 1; }
    exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dir/libs/*" org.apache.kafka.tools.consumer.ConsoleConsumer \
      --bootstrap-server "127.0.0.1:$port" --topic "$topic" --from-beginning \
      --formatter-property print.key=true --formatter-property print.headers=true
    ;;
  produce)
    running || { echo "Kafka not running (scripts/kafka-local.sh start)" >&2; exit 1; }
    exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dir/libs/*" org.apache.kafka.tools.ConsoleProducer \
      --bootstrap-server "127.0.0.1:$port" --topic "$topic"
    ;;
  *)
    echo "usage: $0 start|stop|status [DIR] | consume|produce TOPIC [DIR]" >&2; exit 2 ;;
esac
