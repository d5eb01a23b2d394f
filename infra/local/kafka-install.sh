#!/usr/bin/env bash
# Installs an Apache Kafka 4.x broker + CLI tools from Maven Central (no Docker, no tarball):
# `mvn dependency:copy-dependencies` on infra/local/kafka/pom.xml into
# $INFRA_HOME/kafka/libs. Idempotent: does nothing when that version is already there.
#   KAFKA_VERSION  default: the <kafka.version> of kafka/pom.xml
#   INFRA_HOME     default: ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=kafka-install
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

POM="$HERE/kafka/pom.xml"
DEFAULT_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
KAFKA_VERSION="${KAFKA_VERSION:-$DEFAULT_VERSION}"
KAFKA_HOME="$INFRA_HOME/kafka"
LIBS="$KAFKA_HOME/libs"
MARKER="$LIBS/.installed"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$KAFKA_VERSION" ]; then
  log "Kafka $KAFKA_VERSION already installed in $LIBS"
  exit 0
fi

ensure_cmd java openjdk-17-jre-headless
ensure_cmd mvn maven
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)"
[ "${java_major:-0}" -ge 17 ] || die "Kafka 4.x brokers need Java 17+, found java.specification.version=${java_major:-?}"

log "installing Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
start=$(date +%s)
mkdir -p "$KAFKA_HOME"
tmp="$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! mvn -q -B -f "$POM" "$DEP_PLUGIN:copy-dependencies" \
  -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1; then
  cat "$tmp.mvn.log" >&2
  rm -f "$tmp.mvn.log"
  die "mvn dependency:copy-dependencies failed (is Kafka $KAFKA_VERSION on Maven Central?)"
fi
rm -f "$tmp.mvn.log"
for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "kafka-server-$KAFKA_VERSION.jar"; do
  [ -f "$tmp/$jar" ] || die "expected $jar among the copied jars"
done
echo "$KAFKA_VERSION" >"$tmp/.installed"
rm -rf "$LIBS"
mv "$tmp" "$LIBS"
trap - EXIT
log "Kafka $KAFKA_VERSION installed ($(find "$LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$LIBS" | cut -f1)) in $(($(date +%s) - start))s"
