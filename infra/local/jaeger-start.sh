#!/usr/bin/env bash
# Starts Jaeger all-in-one (jaeger/config.yaml: OTLP receiver, in-memory trace store, query API)
# in the background, building it first if needed (jaeger-install.sh: minutes on a cold module
# cache), and waits until the query API answers and both OTLP ports accept connections.
# Idempotent: when it already runs and answers, it only prints the addresses.
#   JAEGER_QUERY_PORT       query API and UI over HTTP (/api/traces/<id>), default 16686
#   JAEGER_QUERY_GRPC_PORT  query API over gRPC, default 16685
#   JAEGER_OTLP_GRPC_PORT   OTLP/gRPC receiver, default 4317
#   JAEGER_OTLP_HTTP_PORT   OTLP/HTTP receiver, default 4318 (what the services' SDK sends to)
#   JAEGER_MAX_TRACES       traces kept in memory before the oldest are dropped, default 100000
#   JAEGER_START_TIMEOUT    seconds to wait, default 60
#   INFRA_HOME              default ~/.cache/oriental-infra (binary, log, pid under jaeger/)
# Traces are in memory only: a restart starts empty. Everything listens on 127.0.0.1.
# Prints JAEGER_URL=http://127.0.0.1:<query port> and
# JAEGER_OTLP_ENDPOINT=http://127.0.0.1:<OTLP/HTTP port> on stdout at the end.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=jaeger-start
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

JAEGER_QUERY_PORT="${JAEGER_QUERY_PORT:-16686}"
JAEGER_QUERY_GRPC_PORT="${JAEGER_QUERY_GRPC_PORT:-16685}"
JAEGER_OTLP_GRPC_PORT="${JAEGER_OTLP_GRPC_PORT:-4317}"
JAEGER_OTLP_HTTP_PORT="${JAEGER_OTLP_HTTP_PORT:-4318}"
JAEGER_MAX_TRACES="${JAEGER_MAX_TRACES:-100000}"
JAEGER_START_TIMEOUT="${JAEGER_START_TIMEOUT:-60}"
HOST=127.0.0.1
URL="http://$HOST:$JAEGER_QUERY_PORT"
OTLP_ENDPOINT="http://$HOST:$JAEGER_OTLP_HTTP_PORT"
CONFIG="$HERE/jaeger/config.yaml"

JAEGER_HOME="$INFRA_HOME/jaeger"
BIN="$JAEGER_HOME/bin/jaeger"
LOGFILE="$JAEGER_HOME/jaeger.log"
PIDFILE="$JAEGER_HOME/jaeger.pid"
PORTFILE="${PIDFILE%.pid}.port"
# Marks our server's command line (pid recycling guard, and the stop script's check).
NEEDLE="$BIN"

# query_answers: the query API lists services (a JSON document with "data"), bounded in time.
query_answers() {
  port_open "$HOST" "$JAEGER_QUERY_PORT" || return 1
  curl -fsS --max-time 5 "$URL/api/services" 2>/dev/null | grep -q '"data"'
}

# ready: the query API answers and both OTLP receivers listen (they start after the storage).
ready() {
  query_answers && port_open "$HOST" "$JAEGER_OTLP_HTTP_PORT" && port_open "$HOST" "$JAEGER_OTLP_GRPC_PORT"
}

print_result() {
  log "Jaeger is up: query API $URL, OTLP $OTLP_ENDPOINT (HTTP) and $HOST:$JAEGER_OTLP_GRPC_PORT (gRPC) (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), log $LOGFILE)"
  echo "JAEGER_URL=$URL"
  echo "JAEGER_OTLP_ENDPOINT=$OTLP_ENDPOINT"
}

bash "$HERE/jaeger-install.sh"
ensure_cmd curl curl
[ -f "$CONFIG" ] || die "no configuration at $CONFIG"

if pid_alive "$PIDFILE" "$NEEDLE"; then
  running_port="$(cat "$PORTFILE" 2>/dev/null || echo '?')"
  [ "$running_port" = "$JAEGER_QUERY_PORT" ] || die "the Jaeger of $INFRA_HOME already runs with its query API on port $running_port, not $JAEGER_QUERY_PORT: stop it first (${0%-start.sh}-stop.sh) or use another INFRA_HOME"
  if ready; then
    print_result
    exit 0
  fi
  log "a Jaeger process (pid $(cat "$PIDFILE")) exists but does not answer yet: waiting for it"
else
  rm -f "$PIDFILE"
  if port_open "$HOST" "$JAEGER_QUERY_PORT"; then
    if query_answers; then
      log "a Jaeger not started by this script already answers on $URL: using it (OTLP assumed on $OTLP_ENDPOINT)"
      echo "JAEGER_URL=$URL"
      echo "JAEGER_OTLP_ENDPOINT=$OTLP_ENDPOINT"
      exit 0
    fi
    die "port $JAEGER_QUERY_PORT is taken by something that is not Jaeger's query API (set JAEGER_QUERY_PORT)"
  fi
  for port in "$JAEGER_QUERY_GRPC_PORT" "$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT"; do
    port_open "$HOST" "$port" && die "port $port is taken (set JAEGER_QUERY_GRPC_PORT, JAEGER_OTLP_GRPC_PORT or JAEGER_OTLP_HTTP_PORT)"
  done

  rotate_log "$LOGFILE"
  log "starting Jaeger $(cat "$JAEGER_HOME/bin/.installed") (query $URL, OTLP $OTLP_ENDPOINT)"
  start_detached "$PIDFILE" "$LOGFILE" \
    env JAEGER_HOST="$HOST" JAEGER_QUERY_PORT="$JAEGER_QUERY_PORT" JAEGER_QUERY_GRPC_PORT="$JAEGER_QUERY_GRPC_PORT" \
    JAEGER_OTLP_GRPC_PORT="$JAEGER_OTLP_GRPC_PORT" JAEGER_OTLP_HTTP_PORT="$JAEGER_OTLP_HTTP_PORT" \
    JAEGER_MAX_TRACES="$JAEGER_MAX_TRACES" \
    "$BIN" --config "$CONFIG"
  echo "$JAEGER_QUERY_PORT" >"$PORTFILE"
fi

start=$(date +%s)
deadline=$((start + JAEGER_START_TIMEOUT))
while :; do
  pid_alive "$PIDFILE" "$NEEDLE" || fail_with_log "Jaeger exited during startup" "$LOGFILE"
  if ready; then
    log "answered after $(($(date +%s) - start))s"
    print_result
    exit 0
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "Jaeger did not answer on $URL within ${JAEGER_START_TIMEOUT}s (it keeps running: see jaeger-stop.sh)" "$LOGFILE"
  sleep 0.25
done
