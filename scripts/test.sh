#!/usr/bin/env bash
# Set up this machine (scripts/setup.sh), then `npm run test:ci`: first
# `npm run check` (typecheck, lint, format check, dead exports, build, unit
# tests), stopping there when it fails, then the integration and conformance
# tests in dist/test/, one file at a time. The exit code is the first failing
# step's. Integration tests need root (conmon, runc, overlay mounts), so this
# re-runs itself with sudo when started as another user.
# BERTH_TEST_TIMEOUT (default 28m, a `timeout` duration) bounds the whole run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test.sh: integration tests need root" >&2; exit 1; }
  exec sudo --preserve-env=CI,BERTH_FORCE_NPM_CI,BERTH_TEST_TIMEOUT "$0" "$@"
fi

# No build here: `npm run check` below builds (once) before the unit tests.
BERTH_SETUP_BUILD=0 bash "$repo/scripts/setup.sh"
cd "$repo"
# timeout signals its whole process group (npm, node --test, test daemons)
# when the run overruns, so a hung test cannot stall CI. It runs in its own
# process group, so a Ctrl-C here is forwarded to it as SIGTERM.
limit=${BERTH_TEST_TIMEOUT:-28m}
timeout --kill-after=30s "$limit" npm run test:ci &
runner=$!
trap 'kill -TERM "$runner" 2>/dev/null || true' INT TERM
while :; do
  wait "$runner" && status=0 || status=$?
  kill -0 "$runner" 2>/dev/null || break
done
[ "$status" -eq 124 ] && echo "test.sh: the test run exceeded $limit" >&2
exit "$status"
