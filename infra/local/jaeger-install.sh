#!/usr/bin/env bash
# Builds the Jaeger all-in-one binary (`cmd/jaeger`, the OpenTelemetry-Collector-based Jaeger)
# from the Go module proxy into $INFRA_HOME/jaeger/bin: no Docker, no release tarball. The version
# is the one pinned by jaeger/go.mod (`tool github.com/jaegertracing/jaeger/cmd/jaeger`, with
# go.sum checking every module). Idempotent: does nothing when that version is already built.
# The build is long (about 8 minutes on 2 cores with an empty module cache): run it early, and
# lower its priority with `nice` when other work shares the machine.
#   INFRA_HOME  default: ~/.cache/oriental-infra
#   GOFLAGS, GOMODCACHE, GOCACHE, GOPROXY  as usual for `go build`
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=jaeger-install
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

MODULE_DIR="$HERE/jaeger"
PACKAGE=github.com/jaegertracing/jaeger/cmd/jaeger
# The version go.mod requires: the one `go get -tool …@vX.Y.Z` pinned.
JAEGER_VERSION="$(sed -n 's:^[[:space:]]*github.com/jaegertracing/jaeger \(v[^ ]*\).*:\1:p' "$MODULE_DIR/go.mod" | head -n1)"
[ -n "$JAEGER_VERSION" ] || die "no github.com/jaegertracing/jaeger requirement in $MODULE_DIR/go.mod"
JAEGER_HOME="$INFRA_HOME/jaeger"
BIN_DIR="$JAEGER_HOME/bin"
BIN="$BIN_DIR/jaeger"
MARKER="$BIN_DIR/.installed"

if [ -x "$BIN" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$JAEGER_VERSION" ]; then
  log "Jaeger $JAEGER_VERSION already built in $BIN"
  exit 0
fi

ensure_cmd go golang-go

log "building Jaeger $JAEGER_VERSION ($PACKAGE) from the Go module proxy into $BIN"
start=$(date +%s)
mkdir -p "$JAEGER_HOME"
tmp="$(mktemp -d "$JAEGER_HOME/bin.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
# -mod=readonly: go.mod and go.sum are the pin, never rewritten here. -trimpath and -s -w: a
# smaller binary that does not name this machine's paths. The version string is what Jaeger's
# own build stamps (`jaeger version`).
if ! (cd "$MODULE_DIR" && go build -mod=readonly -trimpath \
  -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION" \
  -o "$tmp/jaeger" "$PACKAGE") >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  die "go build $PACKAGE failed"
fi
rm -f "$tmp/build.log"
echo "$JAEGER_VERSION" >"$tmp/.installed"
rm -rf "$BIN_DIR"
mv "$tmp" "$BIN_DIR"
trap - EXIT
log "Jaeger $JAEGER_VERSION built ($(du -h "$BIN" | cut -f1)) in $(($(date +%s) - start))s"
