#!/usr/bin/env bash
# Prepare a Debian 12 machine to build, run and test berth. Idempotent.
#
# 1. apt: installs what berthd and its tests call (conmon, runc, mount, tar,
#    ps, busybox-static for the local busybox image, systemd's analyze and
#    socket-activate tools, curl, python3-docker) plus what `npm ci` needs to
#    compile better-sqlite3 offline (make, g++, python3). `apt-get update` runs
#    only when something is missing, so a prepared machine makes no network call.
# 2. npm: `npm ci` unless node_modules already matches package-lock.json
#    (BERTH_FORCE_NPM_CI=1 forces it), then `npm run build` (tsc into dist/, then the bundle dist/berthd.mjs;
#    skipped with BERTH_SETUP_BUILD=0).
#
# Root is needed for apt; as another user, sudo is used for apt only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  runc conmon busybox-static iproute2 util-linux mount tar procps
  systemd python3-docker docker-compose curl ca-certificates
  docker-registry apache2-utils skopeo openssl
  make g++ python3
  netavark aardvark-dns iptables tini strace
)

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    log "need root for: $*  (run as root or install sudo)"
    exit 1
  fi
}

missing_packages() {
  local p status
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || printf '%s\n' "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt packages present"
    return
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_node() {
  command -v node >/dev/null 2>&1 || { log "node is missing (berth needs Node 20)"; exit 1; }
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" = 20 ] || log "warning: Node $major found, berth is built and tested on Node 20"
}

# npm ci wipes node_modules and recompiles native addons; skip it when the
# installed tree already matches the lock file: npm writes the hidden lock file
# node_modules/.package-lock.json only after a complete install, with the
# version of every package it placed.
npm_ci_needed() {
  [ "${BERTH_FORCE_NPM_CI:-0}" = 1 ] && return 0
  [ -f "$repo/node_modules/.package-lock.json" ] || return 0
  ! node -e '
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
    // Optional packages for other platforms (musl, darwin) are never placed.
    const stale = Object.keys(want).filter((k) => k !== "" &&
      (have[k] ? have[k].version !== want[k].version : !want[k].optional));
    process.exit(stale.length === 0 ? 0 : 1);
  ' 2>/dev/null
}

install_packages
check_node
cd "$repo"
if npm_ci_needed; then
  log "npm ci"
  npm ci --no-audit --no-fund
else
  log "node_modules up to date (BERTH_FORCE_NPM_CI=1 to reinstall)"
fi
# scripts/test.sh builds inside `npm run check` and passes BERTH_SETUP_BUILD=0.
if [ "${BERTH_SETUP_BUILD:-1}" = 0 ]; then
  log "build left to the caller"
else
  log "npm run build"
  npm run build
fi
