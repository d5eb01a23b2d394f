#!/usr/bin/env bash
# Starts a single-node Apache Kafka 4.x broker (KRaft, broker+controller in one JVM) in the
# background, installing it first if needed, and waits until it serves metadata requests.
# Idempotent: when it already runs and answers, it only prints the address.
#   KAFKA_PORT             PLAINTEXT listener, default 9092 (controller: KAFKA_CONTROLLER_PORT, default KAFKA_PORT+1)
#   KAFKA_SCRAM_PORT       SASL_SSL listener (SCRAM-SHA-256/512 over TLS), default KAFKA_PORT+2, for the
#                          specs of the distributed run's security: TEST-ONLY user oriental-test, password
#                          test-only-scram-password, certificate signed by a CA made here (config/tls/ca.pem)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker, default 90
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   INFRA_HOME             default ~/.cache/oriental-infra (jars, config, data, log, pid under kafka/)
# Prints KAFKA_BROKERS=127.0.0.1:<port> and KAFKA_SCRAM_BROKERS=127.0.0.1:<scram port> on stdout at the end.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=kafka-start
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_SCRAM_PORT="${KAFKA_SCRAM_PORT:-$((KAFKA_PORT + 2))}"
SCRAM_USER=oriental-test
SCRAM_PASSWORD=test-only-scram-password
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
HOST=127.0.0.1
BOOTSTRAP="$HOST:$KAFKA_PORT"

KAFKA_HOME="$INFRA_HOME/kafka"
LIBS="$KAFKA_HOME/libs"
CONF="$KAFKA_HOME/config"
DATA="$KAFKA_HOME/data"
LOGFILE="$KAFKA_HOME/kafka.log"
PIDFILE="$KAFKA_HOME/kafka.pid"
PORTFILE="${PIDFILE%.pid}.port"
PROPS="$CONF/server.properties"
TLS="$CONF/tls"
# Marks our broker's command line (pid recycling guard, and the stop script's check).
NEEDLE="$PROPS"

# kafka_tool <main class> <args...>: run a Kafka CLI class from the installed jars, quiet logging.
kafka_tool() {
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONF/tools-log4j2.properties" -cp "$LIBS/*" "$@"
}

# broker_answers: a real Admin round trip (list topics), bounded in time.
broker_answers() {
  port_open "$HOST" "$KAFKA_PORT" || return 1
  timeout 30 java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$CONF/tools-log4j2.properties" -cp "$LIBS/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --command-config "$CONF/probe.properties" --list >/dev/null 2>&1
}

print_result() {
  log "Kafka is up on $BOOTSTRAP (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), log $LOGFILE)"
  echo "KAFKA_BROKERS=$BOOTSTRAP"
  if port_open "$HOST" "$KAFKA_SCRAM_PORT"; then
    log "SCRAM over TLS on $HOST:$KAFKA_SCRAM_PORT (CA $TLS/ca.pem)"
    echo "KAFKA_SCRAM_BROKERS=$HOST:$KAFKA_SCRAM_PORT"
  else
    log "no SASL_SSL listener on $HOST:$KAFKA_SCRAM_PORT (a broker started before it existed): kafka-stop.sh, then start again"
  fi
}

# write_tls: a CA and the broker's certificate (SAN 127.0.0.1 and localhost), made once. The
# broker reads PEM directly (ssl.keystore.type=PEM); clients trust config/tls/ca.pem.
write_tls() {
  [ -s "$TLS/broker-keystore.pem" ] && [ -s "$TLS/ca.pem" ] && return 0
  ensure_cmd openssl openssl
  mkdir -p "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=oriental-test-ca" \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout broker.key -out broker.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile broker.ext -out broker.pem
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.pk8
    cat broker.pk8 broker.pem ca.pem >broker-keystore.pem.tmp && mv broker-keystore.pem.tmp broker-keystore.pem
    rm -f broker.csr broker.ext broker.key ca.srl
  ) >"$KAFKA_HOME/tls.log" 2>&1 || fail_with_log "making the test CA and broker certificate failed" "$KAFKA_HOME/tls.log"
  chmod 600 "$TLS"/*.key "$TLS"/*.pk8 "$TLS/broker-keystore.pem"
}

bash "$HERE/kafka-install.sh"
ensure_cmd java openjdk-17-jre-headless
mkdir -p "$CONF" "$DATA"

write_config() {
  cat >"$PROPS.tmp" <<EOF
# Written by infra/local/kafka-start.sh: a single-node KRaft broker for local and CI tests.
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,SASL_SSL://$HOST:$KAFKA_SCRAM_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,SASL_SSL://$HOST:$KAFKA_SCRAM_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA/kraft-combined-logs

# SASL_SSL: SCRAM over TLS, as the distributed run's brokers (docs/security.md); no authorizer here.
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS/broker-keystore.pem

# single node: every internal topic with replication factor 1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# test-friendly behaviour
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
EOF
  mv -f "$PROPS.tmp" "$PROPS"

  cat >"$CONF/log4j2.properties" <<'EOF'
# Broker logging: to stdout, which kafka-start.sh sends to kafka.log.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOF

  cat >"$CONF/tools-log4j2.properties" <<'EOF'
# CLI tools (probe, format): warnings only, to stderr.
status = error
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF

  cat >"$CONF/probe.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
socket.connection.setup.timeout.ms=2000
socket.connection.setup.timeout.max.ms=3000
reconnect.backoff.max.ms=1000
EOF
}

# Already running?
if pid_alive "$PIDFILE" "$NEEDLE"; then
  running_port="$(cat "$PORTFILE" 2>/dev/null || echo '?')"
  [ "$running_port" = "$KAFKA_PORT" ] || die "the broker of $INFRA_HOME already runs on port $running_port, not $KAFKA_PORT: stop it first (${0%-start.sh}-stop.sh) or use another INFRA_HOME"
  if broker_answers; then
    print_result
    exit 0
  fi
  log "a broker process (pid $(cat "$PIDFILE")) exists but does not answer yet: waiting for it"
else
  rm -f "$PIDFILE"
  if port_open "$HOST" "$KAFKA_PORT"; then
    write_config
    if broker_answers; then
      log "a Kafka broker not started by this script already answers on $BOOTSTRAP: using it"
      echo "KAFKA_BROKERS=$BOOTSTRAP"
      exit 0
    fi
    die "port $KAFKA_PORT is taken by something that is not a Kafka broker (set KAFKA_PORT)"
  fi
  if port_open "$HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_CONTROLLER_PORT is taken (set KAFKA_CONTROLLER_PORT)"
  fi
  if port_open "$HOST" "$KAFKA_SCRAM_PORT"; then
    die "SASL_SSL port $KAFKA_SCRAM_PORT is taken (set KAFKA_SCRAM_PORT)"
  fi

  write_tls
  write_config
  if [ ! -f "$DATA/kraft-combined-logs/meta.properties" ]; then
    [ -s "$DATA/cluster.id" ] || kafka_tool kafka.tools.StorageTool random-uuid >"$DATA/cluster.id"
    log "formatting KRaft storage (cluster id $(cat "$DATA/cluster.id")), with the SCRAM test user $SCRAM_USER"
    # KRaft stores SCRAM credentials in its metadata log: seeded at format, no broker round trip.
    if ! kafka_tool kafka.tools.StorageTool format -t "$(cat "$DATA/cluster.id")" -c "$PROPS" \
      --add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" >"$KAFKA_HOME/format.log" 2>&1; then
      fail_with_log "kafka-storage format failed" "$KAFKA_HOME/format.log"
    fi
    touch "$DATA/.scram-seeded"
  fi

  rotate_log "$LOGFILE"
  log "starting Kafka broker on $BOOTSTRAP (controller $HOST:$KAFKA_CONTROLLER_PORT)"
  # shellcheck disable=SC2086
  start_detached "$PIDFILE" "$LOGFILE" \
    java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$CONF/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_HOME" -cp "$LIBS/*" kafka.Kafka "$PROPS"
  echo "$KAFKA_PORT" >"$PORTFILE"
fi

start=$(date +%s)
deadline=$((start + KAFKA_START_TIMEOUT))
while :; do
  pid_alive "$PIDFILE" "$NEEDLE" || fail_with_log "the Kafka broker exited during startup" "$LOGFILE"
  # Cheap gates first (each probe is a JVM start): port open, and the broker says it started.
  if port_open "$HOST" "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOGFILE" 2>/dev/null && broker_answers; then
    log "broker answered after $(($(date +%s) - start))s"
    # Storage formatted before the SASL_SSL listener existed: add the test user once, over PLAINTEXT.
    # (One mechanism per request: the broker refuses to alter one user's credentials twice in one.)
    if [ ! -f "$DATA/.scram-seeded" ]; then
      for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
        kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --alter --entity-type users --entity-name "$SCRAM_USER" \
          --add-config "$mechanism=[password=$SCRAM_PASSWORD]" >"$KAFKA_HOME/scram.log" 2>&1 \
          || fail_with_log "adding the SCRAM test user ($mechanism) failed" "$KAFKA_HOME/scram.log"
      done
      touch "$DATA/.scram-seeded"
    fi
    print_result
    exit 0
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "Kafka did not answer on $BOOTSTRAP within ${KAFKA_START_TIMEOUT}s (it keeps running: see kafka-stop.sh)" "$LOGFILE"
  sleep 0.5
done
