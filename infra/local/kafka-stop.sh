#!/usr/bin/env bash
# Stops the broker started by kafka-start.sh (SIGTERM, up to 30 s for a clean shutdown, then
# SIGKILL). Idempotent. `--purge` also deletes its data (topics, offsets, cluster id) and config;
# the installed jars stay.
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=kafka-stop
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

read_purge_flag "$@"

KAFKA_HOME="$INFRA_HOME/kafka"
stop_pid "$KAFKA_HOME/kafka.pid" "$KAFKA_HOME/config/server.properties" "Kafka broker" 30
rm -f "$KAFKA_HOME/kafka.port"

if $purge; then
  rm -rf "$KAFKA_HOME/data" "$KAFKA_HOME/config" "$KAFKA_HOME"/kafka.log* "$KAFKA_HOME/format.log"
  log "purged Kafka data and config under $KAFKA_HOME"
fi
