#!/usr/bin/env bash
# Set up this machine (scripts/setup.sh) and run berthd in the foreground on
# the default socket unix:///run/berth/berth.sock (data in /var/lib/berth,
# runtime state in /run/berth), with a local busybox:latest image ready so
#   DOCKER_HOST=unix:///run/berth/berth.sock docker run --rm busybox echo hi
# works offline. Extra arguments are passed to berthd (e.g. --log-level debug);
# a `--host unix://PATH` among them moves the socket. Ctrl-C (SIGINT) or
# SIGTERM stops berthd; containers keep running, as with dockerd's live-restore.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "run-berthd: must run as root" >&2; exit 1; }
  exec sudo --preserve-env=BERTH_FORCE_NPM_CI "$0" "$@"
fi

log() { printf 'run-berthd: %s\n' "$*" >&2; }

# The first unix:// --host / -H among the arguments, else berthd's default.
socket_from_args() {
  local sock=/run/berth/berth.sock prev=""
  for arg in "$@"; do
    case "$prev:$arg" in
      --host:unix://* | -H:unix://*) sock=${arg#unix://}; break ;;
    esac
    case "$arg" in
      --host=unix://*) sock=${arg#--host=unix://}; break ;;
    esac
    prev=$arg
  done
  printf '%s\n' "$sock"
}

api() { curl -sS --unix-socket "$sock" "$@"; }

wait_for_ping() {
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$berthd" 2>/dev/null || return 1
    [ "$(api -o /dev/null -w '%{http_code}' http://localhost/_ping 2>/dev/null)" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# Import the busybox rootfs as busybox:latest unless the daemon already has it.
ensure_busybox_image() {
  local code tar resp
  code=$(api -o /dev/null -w '%{http_code}' http://localhost/v1.41/images/busybox:latest/json)
  [ "$code" = 404 ] || { log "busybox:latest present (HTTP $code)"; return 0; }
  tar=$(mktemp "${TMPDIR:-/tmp}/berth-busybox.XXXXXX.tar")
  bash "$repo/scripts/busybox-rootfs.sh" "$tar"
  resp=$(api --fail-with-body -X POST --data-binary "@$tar" -H 'Content-Type: application/x-tar' \
    'http://localhost/v1.41/images/create?fromSrc=-&repo=busybox&tag=latest&changes=CMD%20%5B%22sh%22%5D') || {
    rm -f "$tar"; log "importing busybox:latest failed: $resp"; return 1; }
  rm -f "$tar"
  # Import reports errors inside a 200 JSON message stream.
  if grep -q '"error' <<<"$resp"; then log "importing busybox:latest failed: $resp"; return 1; fi
  log "imported busybox:latest"
}

bash "$repo/scripts/setup.sh"

sock=$(socket_from_args "$@")
# V8 flags as in src/node-flags.ts NODE_FLAGS (a smaller young generation: lower RSS).
node --max-semi-space-size=4 "$repo/dist/berthd.mjs" "$@" &
berthd=$!
trap 'kill -TERM "$berthd" 2>/dev/null || true' INT TERM

if wait_for_ping; then
  ensure_busybox_image || log "continuing without busybox:latest"
  log "ready: export DOCKER_HOST=unix://$sock"
else
  log "berthd did not answer /_ping on $sock"
fi

# `wait` returns early when a trapped signal arrives; keep waiting until berthd
# itself has exited, then exit with its status.
while :; do
  wait "$berthd" && status=0 || status=$?
  kill -0 "$berthd" 2>/dev/null || break
done
exit "$status"
