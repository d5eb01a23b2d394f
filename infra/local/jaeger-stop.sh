#!/usr/bin/env bash
# Stops the Jaeger started by jaeger-start.sh (SIGTERM, up to 15 s, then SIGKILL). Idempotent.
# Its traces are in memory, so there is nothing to purge but the logs: `--purge` deletes them;
# the built binary stays.
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=jaeger-stop
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

read_purge_flag "$@"

JAEGER_HOME="$INFRA_HOME/jaeger"
PIDFILE="$JAEGER_HOME/jaeger.pid"
NEEDLE="$JAEGER_HOME/bin/jaeger"

stop_pid "$PIDFILE" "$NEEDLE" "Jaeger" 15
rm -f "$JAEGER_HOME/jaeger.port"

if $purge; then
  rm -f "$JAEGER_HOME"/jaeger.log*
  log "purged Jaeger logs under $JAEGER_HOME"
fi
