#!/usr/bin/env bash
# Stops the server started by mongo-start.sh (SIGTERM, up to 15 s, then SIGKILL). Idempotent.
# Its data is in memory and goes with it. `--purge` also deletes its logs; the installed jars stay.
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=mongo-stop
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

read_purge_flag "$@"

MONGO_HOME="$INFRA_HOME/mongo"
stop_pid "$MONGO_HOME/mongo.pid" "$MONGO_HOME/dist/classes" "MongoDB-compatible server" 15
rm -f "$MONGO_HOME/mongo.port"

if $purge; then
  rm -f "$MONGO_HOME"/mongo.log*
  log "purged logs under $MONGO_HOME"
fi
