#!/usr/bin/env bash
# Installs the Keycloak server distribution from Maven Central (no Docker, no download site):
# `mvn dependency:copy` of org.keycloak:keycloak-quarkus-dist:<version>:zip, unzipped into
# $INFRA_HOME/keycloak/dist, then `kc.sh build` once for the options keycloak-start.sh uses, so
# that every start is `kc.sh start --optimized` (no re-augmentation at start).
# Idempotent: does nothing when that version is installed and built for those options.
#   KEYCLOAK_VERSION  default 26.7.3
#   INFRA_HOME        default ~/.cache/oriental-infra
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=keycloak-install
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"
# shellcheck source=keycloak/options.sh
. "$HERE/keycloak/options.sh"

KEYCLOAK_HOME="$INFRA_HOME/keycloak"
DIST="$KEYCLOAK_HOME/dist"
MARKER="$DIST/.installed"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
ARTIFACT="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip"
# What is installed is the version and the build-time options: rebuild when either changes.
STAMP="keycloak $KEYCLOAK_VERSION ${KEYCLOAK_BUILD_OPTIONS[*]}"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$STAMP" ]; then
  log "Keycloak $KEYCLOAK_VERSION already installed in $DIST"
  exit 0
fi

ensure_cmd java openjdk-17-jre-headless
ensure_cmd mvn maven
ensure_cmd unzip unzip
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)"
[ "${java_major:-0}" -ge 17 ] || die "Keycloak 26 needs Java 17+, found java.specification.version=${java_major:-?}"

log "installing Keycloak $KEYCLOAK_VERSION ($ARTIFACT) from Maven Central into $DIST"
start=$(date +%s)
mkdir -p "$KEYCLOAK_HOME"
tmp="$(mktemp -d "$KEYCLOAK_HOME/dist.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# dependency:copy needs no project: the zip lands in ~/.m2 (cached) and is copied to $tmp.
if ! mvn -q -B "$DEP_PLUGIN:copy" -Dartifact="$ARTIFACT" -DoutputDirectory="$tmp/zip" >"$tmp/mvn.log" 2>&1; then
  cat "$tmp/mvn.log" >&2
  die "mvn dependency:copy $ARTIFACT failed (is Keycloak $KEYCLOAK_VERSION on Maven Central?)"
fi
zip="$tmp/zip/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
[ -f "$zip" ] || die "expected $zip"
unzip -q "$zip" -d "$tmp/unzipped"
rm -rf "$tmp/zip"
# The zip holds one top-level directory, keycloak-<version>.
root="$(find "$tmp/unzipped" -mindepth 1 -maxdepth 1 -type d | head -n1)"
[ -x "$root/bin/kc.sh" ] || die "no bin/kc.sh in $zip"
log "downloaded and unzipped in $(($(date +%s) - start))s; building for ${KEYCLOAK_BUILD_OPTIONS[*]}"
# The build (Quarkus augmentation) is what start-dev would otherwise repeat at every start.
if ! JAVA_OPTS_APPEND="-Xmx512m" "$root/bin/kc.sh" build "${KEYCLOAK_BUILD_OPTIONS[@]}" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  die "kc.sh build failed"
fi
rm -f "$tmp/build.log"
echo "$STAMP" >"$root/.installed"
rm -rf "$DIST"
mv "$root" "$DIST"
trap - EXIT
rm -rf "$tmp"
log "Keycloak $KEYCLOAK_VERSION installed ($(du -sh "$DIST" | cut -f1)) in $(($(date +%s) - start))s"
