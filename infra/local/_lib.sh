# Shared helpers for infra/local/*.sh. Sourced, not run.
# shellcheck shell=bash

INFRA_HOME="${INFRA_HOME:-${HOME:-/root}/.cache/oriental-infra}"

log() { printf '[%s] %s\n' "${LOG_PREFIX:-infra}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${LOG_PREFIX:-infra}" "$*" >&2; exit 1; }

# ensure_cmd <command> <debian package>: install the package with apt-get when the command is
# missing (root only: CI and the dev machines run as root); fail clearly otherwise.
ensure_cmd() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "'$cmd' not found: installing Debian package $pkg"
    if [ -z "${_INFRA_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
      _INFRA_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 \
      || die "apt-get install $pkg failed"
    hash -r
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' still missing after installing $pkg"
  else
    die "'$cmd' is required (Debian package: $pkg)"
  fi
}

# pid_alive <pidfile> [cmdline-substring]: true when the pid in the file runs and, if given,
# its command line contains the substring (guards against a recycled pid).
pid_alive() {
  local pidfile="$1" needle="${2:-}" pid
  [ -s "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -n "$needle" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle" || return 1
  fi
  return 0
}

# port_open <host> <port>: a TCP connect succeeds (cheap pre-check, not a readiness probe).
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
}

# stop_pid <pidfile> <cmdline-substring> <name> [grace seconds]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile="$1" needle="$2" name="$3" grace="${4:-30}" pid i
  if ! pid_alive "$pidfile" "$needle"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${grace}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

# start_detached <pidfile> <logfile> <cmd...>: run cmd in its own session, immune to the caller's
# exit and hangup; the pid written is the server's own (exec).
start_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "could not start: $*"
}

# rotate_log <file>: keep the previous run's log as <file>.1
rotate_log() {
  [ -f "$1" ] && mv -f "$1" "$1.1"
  : >"$1"
}

fail_with_log() {
  local msg="$1" logfile="$2"
  printf '[%s] ERROR: %s\n' "${LOG_PREFIX:-infra}" "$msg" >&2
  if [ -f "$logfile" ]; then
    printf '[%s] last lines of %s:\n' "${LOG_PREFIX:-infra}" "$logfile" >&2
    tail -n 40 "$logfile" >&2
  fi
  exit 1
}

# The stop scripts' one flag: sets purge=true for --purge; -h/--help prints the script's header
# (its lines 2-5), anything else is refused.
read_purge_flag() {
  purge=false
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=true ;;
      -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
      *) die "unknown argument: $arg (usage: $(basename "$0") [--purge])" ;;
    esac
  done
}
