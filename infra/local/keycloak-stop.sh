#!/usr/bin/env bash
# Stops the Keycloak started by keycloak-start.sh (SIGTERM, up to 30 s, then SIGKILL, for kc.sh
# and the JVM it runs). Idempotent. Its database is in memory, so there is nothing to purge but
# the logs: `--purge` deletes them; the installed distribution stays.
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=keycloak-stop
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

read_purge_flag "$@"

KEYCLOAK_HOME="$INFRA_HOME/keycloak"
PIDFILE="$KEYCLOAK_HOME/keycloak.pid"
NEEDLE="$KEYCLOAK_HOME/dist/bin/kc.sh"

# kc.sh forwards SIGTERM to its JVM; should it be killed instead, the JVM (its child, named
# here before anything is signalled) must not outlive it.
children=""
if pid_alive "$PIDFILE" "$NEEDLE"; then
  children="$(cat "/proc/$(cat "$PIDFILE")/task/"*/children 2>/dev/null || true)"
fi
stop_pid "$PIDFILE" "$NEEDLE" "Keycloak" 30
for child in $children; do
  if kill -0 "$child" 2>/dev/null && tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null | grep -qF "kc.home.dir=$KEYCLOAK_HOME/dist/"; then
    log "the Keycloak JVM (pid $child) outlived kc.sh: SIGKILL"
    kill -KILL "$child" 2>/dev/null || true
  fi
done
rm -f "$KEYCLOAK_HOME/keycloak.port"

if $purge; then
  rm -f "$KEYCLOAK_HOME"/keycloak.log*
  rm -rf "$KEYCLOAK_HOME/dist/data"
  log "purged Keycloak logs and data under $KEYCLOAK_HOME"
fi
