#!/usr/bin/env bash
# Starts Keycloak (the reference OpenID Connect provider) in the background with the realm of
# infra/keycloak/oriental-realm.json imported, installing it first if needed, and waits until the
# realm's discovery document answers. Idempotent: when it already runs and answers, it only
# prints the address.
#   KEYCLOAK_PORT           HTTP port on 127.0.0.1, default 8180
#   KEYCLOAK_START_TIMEOUT  seconds to wait, default 120
#   KEYCLOAK_HEAP_OPTS      default "-Xms64m -Xmx768m"
#   KEYCLOAK_JAVA_OPTS      more JVM options, default "-XX:TieredStopAtLevel=1" (C1 only: starts
#                           ~3 s sooner on 2 cores; a test server never runs long enough for C2)
#   INFRA_HOME              default ~/.cache/oriental-infra (distribution, log, pid under keycloak/)
# The database is in memory (keycloak/options.sh): every start imports the realm afresh, and
# nothing done in the admin console survives a restart.
# Prints KEYCLOAK_URL=http://127.0.0.1:<port> on stdout at the end.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=keycloak-start
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"
# shellcheck source=keycloak/options.sh
. "$HERE/keycloak/options.sh"

KEYCLOAK_PORT="${KEYCLOAK_PORT:-8180}"
KEYCLOAK_START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-120}"
KEYCLOAK_HEAP_OPTS="${KEYCLOAK_HEAP_OPTS:--Xms64m -Xmx768m}"
KEYCLOAK_JAVA_OPTS="${KEYCLOAK_JAVA_OPTS--XX:TieredStopAtLevel=1}"
HOST=127.0.0.1
URL="http://$HOST:$KEYCLOAK_PORT"
REALM_FILE="$HERE/../keycloak/oriental-realm.json"
DISCOVERY="$URL/realms/oriental/.well-known/openid-configuration"

KEYCLOAK_HOME="$INFRA_HOME/keycloak"
DIST="$KEYCLOAK_HOME/dist"
LOGFILE="$KEYCLOAK_HOME/keycloak.log"
PIDFILE="$KEYCLOAK_HOME/keycloak.pid"
PORTFILE="${PIDFILE%.pid}.port"
# Marks our server's command line (pid recycling guard, and the stop script's check). The pid
# is kc.sh's, which runs the JVM as its child and forwards SIGTERM to it.
NEEDLE="$DIST/bin/kc.sh"

# realm_answers: the imported realm's discovery document, bounded in time.
realm_answers() {
  port_open "$HOST" "$KEYCLOAK_PORT" || return 1
  curl -fsS --max-time 5 "$DISCOVERY" 2>/dev/null | grep -q '"issuer"'
}

print_result() {
  log "Keycloak is up on $URL, realm oriental (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), log $LOGFILE)"
  echo "KEYCLOAK_URL=$URL"
}

bash "$HERE/keycloak-install.sh"
ensure_cmd java openjdk-17-jre-headless
ensure_cmd curl curl
[ -f "$REALM_FILE" ] || die "no realm file at $REALM_FILE"

if pid_alive "$PIDFILE" "$NEEDLE"; then
  running_port="$(cat "$PORTFILE" 2>/dev/null || echo '?')"
  [ "$running_port" = "$KEYCLOAK_PORT" ] || die "the Keycloak of $INFRA_HOME already runs on port $running_port, not $KEYCLOAK_PORT: stop it first (${0%-start.sh}-stop.sh) or use another INFRA_HOME"
  if realm_answers; then
    print_result
    exit 0
  fi
  log "a Keycloak process (pid $(cat "$PIDFILE")) exists but does not answer yet: waiting for it"
else
  rm -f "$PIDFILE"
  if port_open "$HOST" "$KEYCLOAK_PORT"; then
    if realm_answers; then
      log "a Keycloak not started by this script already serves the oriental realm on $URL: using it"
      echo "KEYCLOAK_URL=$URL"
      exit 0
    fi
    die "port $KEYCLOAK_PORT is taken by something that does not serve the oriental realm (set KEYCLOAK_PORT)"
  fi

  # --import-realm reads <home>/data/import; the copy is refreshed at every start.
  mkdir -p "$DIST/data/import"
  rm -f "$DIST"/data/import/*.json
  cp "$REALM_FILE" "$DIST/data/import/oriental-realm.json"

  rotate_log "$LOGFILE"
  log "starting Keycloak $KEYCLOAK_VERSION on $URL"
  # `start --optimized` runs what keycloak-install.sh built (no re-augmentation); the issuer is
  # the URL the client used, here $URL/realms/oriental.
  # The temporary admin (admin/admin) is created only in this in-memory database: local and CI.
  start_detached "$PIDFILE" "$LOGFILE" \
    env JAVA_OPTS_KC_HEAP="$KEYCLOAK_HEAP_OPTS" JAVA_OPTS_APPEND="$KEYCLOAK_JAVA_OPTS" \
    KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}" \
    "$DIST/bin/kc.sh" start --optimized --import-realm "${KEYCLOAK_RUN_OPTIONS[@]}" \
    --http-host="$HOST" --http-port="$KEYCLOAK_PORT"
  echo "$KEYCLOAK_PORT" >"$PORTFILE"
fi

start=$(date +%s)
deadline=$((start + KEYCLOAK_START_TIMEOUT))
while :; do
  pid_alive "$PIDFILE" "$NEEDLE" || fail_with_log "Keycloak exited during startup" "$LOGFILE"
  if realm_answers; then
    log "realm answered after $(($(date +%s) - start))s"
    print_result
    exit 0
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "Keycloak did not serve the realm on $URL within ${KEYCLOAK_START_TIMEOUT}s (it keeps running: see keycloak-stop.sh)" "$LOGFILE"
  sleep 0.5
done
