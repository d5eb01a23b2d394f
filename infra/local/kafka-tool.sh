#!/usr/bin/env bash
# Runs a Kafka CLI tool from the jars that kafka-install.sh laid out (there are no kafka-*.sh
# scripts: the jars come from Maven Central, not from the binary tarball).
#   kafka-tool.sh topics   --bootstrap-server 127.0.0.1:9092 --list
#   kafka-tool.sh produce  --bootstrap-server 127.0.0.1:9092 --topic t
#   kafka-tool.sh consume  --bootstrap-server 127.0.0.1:9092 --topic t --from-beginning
#   kafka-tool.sh groups   --bootstrap-server 127.0.0.1:9092 --list
#   kafka-tool.sh <fully.qualified.MainClass> [args...]
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=kafka-tool
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

[ $# -ge 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
LIBS="$INFRA_HOME/kafka/libs"
[ -f "$LIBS/.installed" ] || die "Kafka is not installed in $LIBS: run infra/local/kafka-install.sh"

tool="$1"
shift
case "$tool" in
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  produce) main=org.apache.kafka.tools.ConsoleProducer ;;
  consume) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  configs) main=kafka.admin.ConfigCommand ;;
  storage) main=kafka.tools.StorageTool ;;
  *.*) main="$tool" ;;
  *) die "unknown tool '$tool' (topics, produce, consume, groups, configs, storage, or a main class)" ;;
esac

log4j="$INFRA_HOME/kafka/config/tools-log4j2.properties"
log4j_opt=()
[ -f "$log4j" ] && log4j_opt=(-Dlog4j2.configurationFile="$log4j")
exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true "${log4j_opt[@]}" \
  -cp "$LIBS/*" "$main" "$@"
