#!/usr/bin/env bash
# Run the end-to-end tests: a virtual display, then node's test runner, which starts
# tauri-driver (and through it the real app) for each test file. Needs the app and CLI
# built (target/debug) and `npm ci --ignore-scripts` done here.
set -euo pipefail
cd "$(dirname "$0")"
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
# The tests stop their own tauri-drivers; after a crash, stop only those left on this
# run's display (other runs on the machine keep theirs).
cleanup() {
  for pid in $(pgrep -f "tauri-driver --port" || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "DISPLAY=$display"; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  kill "$xvfb_pid" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY="$display" GSETTINGS_BACKEND=memory
for _ in $(seq 1 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
[ $# -gt 0 ] || set -- ./*.test.mjs
node --test --test-concurrency=1 --test-timeout=180000 "$@"
