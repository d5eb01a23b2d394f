#!/usr/bin/env bash
# Installs the MongoDB-compatible test server: de.bwaldvogel:mongo-java-server (in-memory)
# from Maven Central (`mvn dependency:copy-dependencies` on infra/local/mongo/pom.xml) plus its
# launcher infra/local/mongo/MongoServerMain.java, compiled with javac, into
# $INFRA_HOME/mongo/dist. Idempotent: does nothing when the same pom + launcher are installed.
# Why not FerretDB: docs/adr/0003-mongodb-compatible-test-server.md
#   INFRA_HOME  default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=mongo-install
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

POM="$HERE/mongo/pom.xml"
MAIN_SRC="$HERE/mongo/MongoServerMain.java"
MONGO_HOME="$INFRA_HOME/mongo"
DIST="$MONGO_HOME/dist"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
VERSION="$(sed -n 's:.*<mongo-java-server.version>\(.*\)</mongo-java-server.version>.*:\1:p' "$POM" | head -n1)"
# What is installed is the pom and the launcher: reinstall when either changes.
STAMP="mongo-java-server $VERSION $(cat "$POM" "$MAIN_SRC" | sha256sum | cut -c1-16)"

if [ -f "$DIST/.installed" ] && [ "$(cat "$DIST/.installed")" = "$STAMP" ]; then
  log "mongo-java-server $VERSION already installed in $DIST"
  exit 0
fi

ensure_cmd java openjdk-17-jre-headless
ensure_cmd javac openjdk-17-jdk-headless
ensure_cmd mvn maven

log "installing mongo-java-server $VERSION from Maven Central into $DIST"
start=$(date +%s)
mkdir -p "$MONGO_HOME"
tmp="$(mktemp -d "$MONGO_HOME/dist.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! mvn -q -B -f "$POM" "$DEP_PLUGIN:copy-dependencies" \
  -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
  cat "$tmp/mvn.log" >&2
  die "mvn dependency:copy-dependencies failed"
fi
rm -f "$tmp/mvn.log"
[ -f "$tmp/libs/mongo-java-server-core-$VERSION.jar" ] || die "expected mongo-java-server-core-$VERSION.jar among the copied jars"
if ! javac -nowarn -encoding UTF-8 -d "$tmp/classes" -cp "$tmp/libs/*" "$MAIN_SRC" >"$tmp/javac.log" 2>&1; then
  cat "$tmp/javac.log" >&2
  die "compiling $MAIN_SRC failed"
fi
rm -f "$tmp/javac.log"
echo "$STAMP" >"$tmp/.installed"
rm -rf "$DIST"
mv "$tmp" "$DIST"
trap - EXIT
log "mongo-java-server $VERSION installed ($(du -sh "$DIST" | cut -f1)) in $(($(date +%s) - start))s"
