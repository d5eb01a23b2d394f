#!/usr/bin/env bash
# Starts the MongoDB-compatible test server (mongo-java-server, in-memory; see
# docs/adr/0003-mongodb-compatible-test-server.md) in the background, installing it first if
# needed, and waits until it answers a real wire-protocol handshake (mongo-probe.py).
# Idempotent: when it already runs and answers, it only prints the address.
# Data lives in memory: a restart starts empty.
#   MONGO_PORT             default 27017
#   MONGO_START_TIMEOUT    seconds to wait, default 60
#   MONGO_HEAP_OPTS        default "-Xms64m -Xmx1g" (all data is on the heap)
#   INFRA_HOME             default ~/.cache/oriental-infra (jars, log, pid under mongo/)
# Prints MONGODB_URI=mongodb://127.0.0.1:<port> on stdout at the end.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=mongo-start
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

MONGO_PORT="${MONGO_PORT:-27017}"
MONGO_START_TIMEOUT="${MONGO_START_TIMEOUT:-60}"
MONGO_HEAP_OPTS="${MONGO_HEAP_OPTS:--Xms64m -Xmx1g}"
HOST=127.0.0.1
URI="mongodb://$HOST:$MONGO_PORT"

MONGO_HOME="$INFRA_HOME/mongo"
DIST="$MONGO_HOME/dist"
LOGFILE="$MONGO_HOME/mongo.log"
PIDFILE="$MONGO_HOME/mongo.pid"
PORTFILE="${PIDFILE%.pid}.port"
NEEDLE="$DIST/classes"
PROBE=(python3 "$HERE/mongo-probe.py" "$HOST" "$MONGO_PORT" --timeout 5)

print_result() {
  log "MongoDB-compatible server is up on $HOST:$MONGO_PORT: $1 (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), log $LOGFILE)"
  echo "MONGODB_URI=$URI"
}

bash "$HERE/mongo-install.sh"
ensure_cmd java openjdk-17-jre-headless
ensure_cmd python3 python3

if pid_alive "$PIDFILE" "$NEEDLE"; then
  running_port="$(cat "$PORTFILE" 2>/dev/null || echo '?')"
  [ "$running_port" = "$MONGO_PORT" ] || die "the server of $INFRA_HOME already runs on port $running_port, not $MONGO_PORT: stop it first (${0%-start.sh}-stop.sh) or use another INFRA_HOME"
  if answer="$("${PROBE[@]}" 2>/dev/null)"; then
    print_result "$answer"
    exit 0
  fi
  log "a server process (pid $(cat "$PIDFILE")) exists but does not answer yet: waiting for it"
else
  rm -f "$PIDFILE"
  if port_open "$HOST" "$MONGO_PORT"; then
    if answer="$("${PROBE[@]}" 2>/dev/null)"; then
      log "a MongoDB-compatible server not started by this script already answers on $HOST:$MONGO_PORT ($answer): using it"
      echo "MONGODB_URI=$URI"
      exit 0
    fi
    die "port $MONGO_PORT is taken by something that does not speak the MongoDB protocol (set MONGO_PORT): $("${PROBE[@]}" 2>&1 || true)"
  fi
  rotate_log "$LOGFILE"
  log "starting mongo-java-server on $HOST:$MONGO_PORT"
  # shellcheck disable=SC2086
  start_detached "$PIDFILE" "$LOGFILE" \
    java $MONGO_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd'T'HH:mm:ss.SSS" \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire=warn \
    -cp "$DIST/libs/*:$DIST/classes" MongoServerMain --host "$HOST" --port "$MONGO_PORT"
  echo "$MONGO_PORT" >"$PORTFILE"
fi

start=$(date +%s)
deadline=$((start + MONGO_START_TIMEOUT))
while :; do
  pid_alive "$PIDFILE" "$NEEDLE" || fail_with_log "the server exited during startup" "$LOGFILE"
  if port_open "$HOST" "$MONGO_PORT" && answer="$("${PROBE[@]}" 2>/dev/null)"; then
    log "server answered after $(($(date +%s) - start))s"
    print_result "$answer"
    exit 0
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "no MongoDB handshake on $HOST:$MONGO_PORT within ${MONGO_START_TIMEOUT}s (it keeps running: see mongo-stop.sh)" "$LOGFILE"
  sleep 0.3
done
